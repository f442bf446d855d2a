/**
 * What a deployment left behind: the stacks and StackSets whose names it owns, and the roles each
 * holds (read from their templates: what was meant, even where a resource failed). The plan keeps
 * each deployed role where it is.
 */
import {
  type CloudFormationClient,
  DescribeStackSetCommand,
  GetTemplateCommand,
  ListStackSetsCommand,
  type ListStackSetsCommandOutput,
  ListStacksCommand,
  type ListStacksCommandOutput,
  type StackStatus,
} from "@aws-sdk/client-cloudformation";
import { TEMPLATE_BODY_BYTES } from "../plan/limits.js";
import { ownsUnit } from "../plan/plan.js";
import { readTemplate } from "../reader/index.js";

export interface DeployedUnit {
  name: string;
  kind: "stack" | "stackset";
  /** StackStatus, or the StackSet's status (ACTIVE). */
  status: string;
  roles: string[];
  templateBody: string;
}

/** Every stack status but the deleted one: a stack in any of them still holds its name. */
const LIVE: StackStatus[] = [
  "CREATE_IN_PROGRESS",
  "CREATE_FAILED",
  "CREATE_COMPLETE",
  "ROLLBACK_IN_PROGRESS",
  "ROLLBACK_FAILED",
  "ROLLBACK_COMPLETE",
  "DELETE_IN_PROGRESS",
  "DELETE_FAILED",
  "UPDATE_IN_PROGRESS",
  "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
  "UPDATE_COMPLETE",
  "UPDATE_FAILED",
  "UPDATE_ROLLBACK_IN_PROGRESS",
  "UPDATE_ROLLBACK_FAILED",
  "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
  "UPDATE_ROLLBACK_COMPLETE",
  "REVIEW_IN_PROGRESS",
  "IMPORT_IN_PROGRESS",
  "IMPORT_COMPLETE",
  "IMPORT_ROLLBACK_IN_PROGRESS",
  "IMPORT_ROLLBACK_FAILED",
  "IMPORT_ROLLBACK_COMPLETE",
];

/**
 * Units whose template is larger than a request takes: they were deployed through S3, and only a
 * plan with S3's budget keeps their roles where they are.
 */
export function deployedThroughS3(units: readonly DeployedUnit[]): DeployedUnit[] {
  return units.filter((u) => Buffer.byteLength(u.templateBody, "utf8") > TEMPLATE_BODY_BYTES);
}

/** Role names a template creates (RoleName of each AWS::IAM::Role), in template order. */
export function rolesInTemplate(body: string, name: string): string[] {
  if (body.trim() === "") return [];
  const t = readTemplate(body, name).template;
  return Object.values(t.Resources)
    .filter((r) => r.Type === "AWS::IAM::Role" && typeof r.Properties?.RoleName === "string")
    .map((r) => r.Properties!.RoleName as string);
}

export async function deployedUnits(
  cfn: CloudFormationClient,
  baseName: string,
): Promise<DeployedUnit[]> {
  const out: DeployedUnit[] = [];
  let token: string | undefined;
  do {
    const page: ListStacksCommandOutput = await cfn.send(
      new ListStacksCommand({ StackStatusFilter: LIVE, NextToken: token }),
    );
    for (const s of page.StackSummaries ?? []) {
      const name = s.StackName ?? "";
      if (!ownsUnit(baseName, name) || s.StackStatus === "REVIEW_IN_PROGRESS") continue;
      const body =
        (await cfn.send(new GetTemplateCommand({ StackName: s.StackId ?? name }))).TemplateBody ??
        "";
      out.push({
        name,
        kind: "stack",
        status: s.StackStatus ?? "",
        roles: rolesInTemplate(body, name),
        templateBody: body,
      });
    }
    token = page.NextToken;
  } while (token);
  token = undefined;
  do {
    const page: ListStackSetsCommandOutput = await cfn.send(
      new ListStackSetsCommand({ Status: "ACTIVE", NextToken: token }),
    );
    for (const s of page.Summaries ?? []) {
      const name = s.StackSetName ?? "";
      if (!ownsUnit(baseName, name)) continue;
      const set = (await cfn.send(new DescribeStackSetCommand({ StackSetName: name }))).StackSet;
      const body = set?.TemplateBody ?? "";
      out.push({
        name,
        kind: "stackset",
        status: set?.Status ?? "",
        roles: rolesInTemplate(body, name),
        templateBody: body,
      });
    }
    token = page.NextToken;
  } while (token);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
