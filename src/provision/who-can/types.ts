/** The access matrix: rows are callers (repository, environment), columns are roles in accounts. */
import type { CompiledPolicy } from "../../policy/index.js";

export interface WhoCanRole {
  /** Column label, e.g. `deploy-web-prod`. */
  name: string;
  logicalId?: string;
  account: string;
  roleArn: string;
  trustPolicy: unknown;
  maxSessionDuration?: number;
  /** `trustPolicy` already compiled by the caller (the audit), so it is not compiled again. */
  compiledTrust?: CompiledPolicy;
}

export interface WhoCanProvider {
  account: string;
  /** With or without https://. */
  url: string;
  clientIds: string[];
  partition?: string;
}

export interface RepositoryInput {
  uuid: string;
  /** A name to show instead of the UUID (`--repository web={…}`). */
  label?: string;
}

export interface WhoCanInput {
  roles: WhoCanRole[];
  /** Providers that exist in each account (from the template, or assumed from the principals). */
  providers: WhoCanProvider[];
  repositories?: RepositoryInput[];
  /** Environments to try with every repository. */
  environments?: RepositoryInput[];
  now?: number;
  /**
   * A provider a role names but `providers` lacks is assumed to exist (default), as a template
   * may rely on one created elsewhere. `false` (the audit, reading live accounts): it does not
   * exist, and STS refuses every token for it.
   */
  assumeMissingProviders?: boolean;
}

export interface MatrixRow {
  /** Braced repository UUID (for the synthetic row, the synthetic UUID used). */
  repository: string;
  repositoryLabel?: string;
  environment?: string;
  environmentLabel?: string;
  /** The "any other repository" row: a repository no trust policy mentions. */
  otherRepository?: true;
  /** Where the row came from. */
  source: "flag" | "policy" | "synthetic";
}

export interface MatrixColumn {
  role: string;
  account: string;
  roleArn: string;
}

export interface MatrixCell {
  allowed: boolean;
  /** For an allowed cell: the statement that allowed it, and what the caller had to choose. */
  statement?: number;
  audience?: string;
  sourceIp?: string;
  /** For a denied cell: the STS decision's reason. */
  reason?: string;
}

export interface AccessMatrix {
  rows: MatrixRow[];
  columns: MatrixColumn[];
  /** cells[row][column]. */
  cells: MatrixCell[][];
}
