/**
 * Two access matrices compared cell by cell — what bb-oidc.yaml says against what the accounts
 * hold. Columns are matched by account and role name, rows by repository and environment (the
 * "any other repository" rows by that role, as their synthetic UUIDs differ).
 */
import type { AccessMatrix, MatrixRow } from "./types.js";

export interface MatrixDifference {
  kind: "missing-role" | "extra-role" | "access";
  account: string;
  role: string;
  /** For `access`: the caller whose answer differs, and both answers. */
  repository?: string;
  environment?: string;
  otherRepository?: true;
  expected?: boolean;
  actual?: boolean;
  /** The live refusal's reason, where live refuses what the config allows. */
  reason?: string;
}

function rowKey(r: MatrixRow): string {
  return r.otherRepository
    ? "(other)"
    : `${r.repository.toLowerCase()}|${r.environment?.toLowerCase() ?? ""}`;
}

function columnKeys(m: AccessMatrix): Map<string, number> {
  return new Map(m.columns.map((c, j) => [`${c.account}/${c.role}`, j]));
}

/** Differences of `actual` (live) from `expected` (the config), in the expected matrix's order. */
export function compareMatrices(expected: AccessMatrix, actual: AccessMatrix): MatrixDifference[] {
  const out: MatrixDifference[] = [];
  const expCols = columnKeys(expected);
  const actCols = columnKeys(actual);
  const actRows = new Map(actual.rows.map((r, i) => [rowKey(r), i]));
  for (const [key, j] of expCols) {
    const col = expected.columns[j]!;
    const k = actCols.get(key);
    if (k === undefined) {
      out.push({ kind: "missing-role", account: col.account, role: col.role });
      continue;
    }
    expected.rows.forEach((row, i) => {
      const want = expected.cells[i]![j]!;
      const a = actRows.get(rowKey(row));
      // A caller the live policies do not mention is answered like any other repository.
      const got = actual.cells[a ?? actRows.get("(other)")!]![k]!;
      if (want.allowed !== got.allowed) out.push(accessDifference(col, row, got));
    });
    // Callers only the live policies mention: the config answers them as any other repository.
    const expRows = new Set(expected.rows.map(rowKey));
    const expOther = expected.rows.findIndex((r) => r.otherRepository);
    actual.rows.forEach((row, i) => {
      if (expRows.has(rowKey(row))) return;
      const got = actual.cells[i]![k]!;
      if (got.allowed !== expected.cells[expOther]![j]!.allowed) {
        out.push(accessDifference(col, row, got));
      }
    });
  }
  for (const [key, j] of actCols) {
    if (expCols.has(key)) continue;
    const col = actual.columns[j]!;
    out.push({ kind: "extra-role", account: col.account, role: col.role });
  }
  return out;
}

/** A caller answered differently live than by the config (which answered the opposite). */
function accessDifference(
  col: { account: string; role: string },
  row: MatrixRow,
  got: { allowed: boolean; reason?: string },
): MatrixDifference {
  return {
    kind: "access",
    account: col.account,
    role: col.role,
    repository: row.repository,
    ...(row.environment ? { environment: row.environment } : {}),
    ...(row.otherRepository ? { otherRepository: true as const } : {}),
    expected: !got.allowed,
    actual: got.allowed,
    ...(got.reason ? { reason: got.reason } : {}),
  };
}

/** One line per difference, for people. */
export function differenceLine(d: MatrixDifference): string {
  const where = `role ${d.role} in ${d.account}`;
  if (d.kind === "missing-role")
    return `${where}: in bb-oidc.yaml, not in the account (deploy it: bb-oidc deploy --config …)`;
  if (d.kind === "extra-role")
    return `${where}: in the account and trusting the workspace's provider, not in bb-oidc.yaml there`;
  const who = d.otherRepository
    ? "any other repository"
    : `${d.repository}${d.environment ? ` (environment ${d.environment})` : ""}`;
  return `${where}: ${who} ${d.actual ? "can assume it live; bb-oidc.yaml says no" : `cannot assume it live (${d.reason ?? "refused"}); bb-oidc.yaml says yes`}`;
}
