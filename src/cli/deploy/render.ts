/** Text for people: the plan, change tables, one line per event, the StackSet instance table. */
import type { ConfigPreview, UnitPreview } from "../../provision/deploy/deploy-config.js";
import type { InstanceRow, PlannedChange, StackEventView } from "../../provision/deploy/index.js";

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map(
      (r) =>
        `  ${r
          .map((c, i) => c.padEnd(widths[i]!))
          .join("  ")
          .trimEnd()}`,
    )
    .join("\n");
}

export function changeTable(changes: PlannedChange[]): string {
  return table([
    ["Action", "Logical ID", "Type", "Replacement"],
    ...changes.map((c) => [c.action, c.logicalId, c.type, c.replacement ?? "-"]),
  ]);
}

export function instanceTable(rows: InstanceRow[]): string {
  return table([
    ["Account", "Region", "Status", "Reason"],
    ...rows.map((r) => [r.account, r.region, r.status, r.reason ?? ""]),
  ]);
}

/** One plain line per event, as CI logs show them. */
export function eventLine(e: StackEventView): string {
  return [
    e.timestamp.toISOString(),
    e.status.padEnd(36),
    e.type.padEnd(28),
    e.logicalId,
    e.reason ?? "",
  ]
    .join("  ")
    .trimEnd();
}

/** On a terminal: one line per resource, redrawn in place as its status changes. */
export class LiveView {
  private readonly order: string[] = [];
  private readonly lines = new Map<string, string>();
  private drawn = 0;
  constructor(private readonly out: NodeJS.WriteStream) {}
  update(e: StackEventView): void {
    if (!this.lines.has(e.logicalId)) this.order.push(e.logicalId);
    this.lines.set(
      e.logicalId,
      `${e.status.padEnd(36)} ${e.type.padEnd(28)} ${e.logicalId}${e.reason ? `  ${e.reason}` : ""}`,
    );
    const text = this.order.map((id) => `\x1b[2K${this.lines.get(id)}`).join("\n");
    this.out.write(`${this.drawn > 0 ? `\x1b[${this.drawn}A\r` : ""}${text}\n`);
    this.drawn = this.order.length;
  }
}

function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function names(list: readonly string[], max = 6): string {
  return list.length > max
    ? `${list.slice(0, max).join(", ")} and ${list.length - max} more`
    : list.join(", ");
}

function unitWhat(u: UnitPreview): string {
  if (u.kind === "stack") return "stack";
  return u.unit?.permissionModel === "SERVICE_MANAGED"
    ? "StackSet (service-managed)"
    : "StackSet (self-managed)";
}

function unitTargets(u: UnitPreview): string {
  if (!u.unit) return "";
  if (u.unit.organizationalUnits.length > 0) return `OUs ${names(u.unit.organizationalUnits, 3)}`;
  return `${u.unit.accounts.length === 1 ? "account" : "accounts"} ${names(u.unit.accounts, 3)}`;
}

function unitChange(u: UnitPreview): string {
  if (u.action === "none") return "no changes";
  if (u.action === "delete") return `delete (${plural(u.changes.length, "role")})`;
  const count = (a: string) => u.changes.filter((c) => c.action === a).length;
  const parts = [
    count("Add") ? `+${count("Add")}` : "",
    count("Modify") ? `~${count("Modify")}` : "",
    count("Remove") ? `-${count("Remove")}` : "",
    u.targetsAdded.length ? `instances +${u.targetsAdded.length}` : "",
    u.targetsRemoved.length ? `instances -${u.targetsRemoved.length}` : "",
  ].filter(Boolean);
  const action = u.replacesFailed ? "re-create (its creation failed)" : u.action;
  return `${action}${parts.length ? ` (${parts.join(", ")})` : ""}`;
}

/** The whole plan: where every role goes, the units, and what changes in each. */
export function planText(p: ConfigPreview, baseName: string, region: string): string {
  const lines: string[] = [];
  const how = p.mechanism === "stacks" ? "stacks in one account" : "StackSets";
  lines.push(`Deployment plan for ${baseName} (${how}, region ${region}):`);
  for (const a of p.plan.accounts) {
    lines.push(
      `  account ${a.account}: provider ${a.provider}; ${plural(a.roles.length, "role")}: ${names(a.roles)}`,
    );
  }
  for (const o of p.plan.ous) {
    lines.push(
      `  OUs ${o.organizationalUnits.join(", ")}: provider ${o.provider}; ${plural(o.roles.length, "role")}: ${names(o.roles)}`,
    );
  }
  lines.push("");
  const rows: string[][] = [["Unit", "Kind", "Targets", "Template", "Change"]];
  for (const u of p.units) {
    const m = u.unit?.measure;
    rows.push([
      u.name,
      unitWhat(u),
      unitTargets(u),
      m
        ? `${plural(m.resources, "resource")}, ${kb(m.bytes)} ${u.unit!.transport === "s3" ? "via S3" : "inline"}`
        : "",
      unitChange(u),
    ]);
  }
  lines.push(table(rows));
  for (const u of p.units) {
    if (u.action === "none" || u.changes.length === 0) continue;
    lines.push(
      "",
      `Changes to ${u.kind === "stack" ? "stack" : "StackSet"} ${u.name}:`,
      changeTable(u.changes),
    );
    if (u.targetsAdded.length) lines.push(`  instances added: ${names(u.targetsAdded, 10)}`);
    if (u.targetsRemoved.length) lines.push(`  instances deleted: ${names(u.targetsRemoved, 10)}`);
  }
  return `${lines.join("\n")}\n`;
}
