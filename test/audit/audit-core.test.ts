/**
 * The audit against a planted organisation on the emulator, through the SDK: every planted
 * exposure found with the right rule and reach, nothing on the safe roles, the account that
 * cannot be entered reported, and both ways of reading IAM giving the same answer.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runAudit } from "../../src/audit/run-audit.js";
import type { AuditReport } from "../../src/audit/types.js";
import { BITBUCKET, EXPECTED, GHOST, MANAGEMENT } from "./fixtures.js";
import { type Endpoint, managementAccess, startPlantedOrganization } from "./org-fixture.js";

let ep: Endpoint;
let report: AuditReport;
const NOW = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  ep = await startPlantedOrganization();
  report = await runAudit(managementAccess(ep), {
    organization: true,
    assumeRoleName: "OrganizationAccountAccessRole",
    now: NOW,
    version: "test",
  });
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
});

function rulesByRole(r: AuditReport): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of r.findings) {
    if (!f.role) continue;
    const key = `${f.account}/${f.role}`;
    out.set(key, [...(out.get(key) ?? []), f.ruleId].sort());
  }
  return out;
}

describe("audit of an organisation", () => {
  test("every planted role gets exactly the findings planted, and no other role gets any", () => {
    const got = rulesByRole(report);
    for (const e of EXPECTED) {
      expect({
        role: `${e.account}/${e.role}`,
        rules: got.get(`${e.account}/${e.role}`) ?? [],
      }).toEqual({
        role: `${e.account}/${e.role}`,
        rules: e.rules,
      });
    }
    const planted = new Set(EXPECTED.map((e) => `${e.account}/${e.role}`));
    expect([...got.keys()].filter((k) => !planted.has(k))).toEqual([]);
  });

  test("reach per role is the engine's answer", () => {
    for (const e of EXPECTED) {
      const r = report.roles.find((x) => x.account === e.account && x.name === e.role);
      expect({ role: e.role, reach: r?.reach }).toEqual({ role: e.role, reach: e.reach });
    }
  });

  test("the account that cannot be entered is reported, not skipped", () => {
    const ghost = report.accounts.find((a) => a.account === GHOST)!;
    expect(ghost.status).toBe("unreachable");
    expect(ghost.error).toContain(`arn:aws:iam::${GHOST}:role/OrganizationAccountAccessRole`);
    expect(report.summary.unreachable).toBe(1);
    expect(report.accounts.find((a) => a.account === MANAGEMENT)!.via).toBe(
      "the current credentials",
    );
  });

  test("severity is reachability × blast radius", () => {
    const sev = (role: string, rule: string) =>
      report.findings.find((f) => f.role === role && f.ruleId === rule)?.severity;
    expect(sev("seed-admin", "no-subject-condition")).toBe("critical");
    expect(sev("gha-no-sub", "platform-wide-subject")).toBe("critical");
    expect(sev("gha-prefix", "platform-wide-subject")).toBe("high");
    expect(sev("gha-any-acme", "owner-wide-subject")).toBe("medium");
    expect(sev("dead-key", "unassumable-role")).toBe("low");
    expect(report.findings[0]!.severity).toBe("critical");
  });

  test("a shared lint rule points at the condition it is about, for the report to mark", () => {
    const f = report.findings.find((x) => x.role === "set-operator-sub")!;
    expect(f.ruleId).toBe("set-operator-on-single-valued-claim");
    expect(f.deciding).toEqual({
      statement: 0,
      operator: "ForAnyValue:StringLike",
      key: `${BITBUCKET}:sub`,
    });
    expect(f.condition).toBe(`ForAnyValue:StringLike ${BITBUCKET}:sub`);
    const role = report.roles.find((x) => x.name === "set-operator-sub")!;
    expect(role.deciding).toContainEqual(f.deciding);
    expect(role.trustPolicy).toBeDefined();
  });

  test("blast radius read from a customer managed policy: iam:* on * is admin one step later", () => {
    const r = report.roles.find((x) => x.name === "gitlab-one-project")!;
    expect(r.blast.level).toBe("admin");
    expect(r.blast.reasons.join()).toContain("iam:*");
    // One project can assume it, and make itself administrator: reported as such.
    const f = report.findings.find((x) => x.role === "gitlab-one-project")!;
    expect(f.ruleId).toBe("iam-escalation");
    expect(f.severity).toBe("medium");
    expect(f.who).toContain("project_path:acme/infra:ref_type:branch:ref:main");
  });

  test("RoleLastUsed: reachable roles unused for --unused-days are reported, dead ones are not", async () => {
    const later = await runAudit(managementAccess(ep), {
      organization: true,
      assumeRoleName: "OrganizationAccountAccessRole",
      now: NOW + 200 * 86_400,
      version: "test",
    });
    const unused = later.findings.filter((f) => f.ruleId === "role-unused");
    const roles = new Set(unused.map((f) => f.role));
    // The auditor's own role was used (200 days ago, by this test's pipeline session).
    expect(unused.find((f) => f.role === "security-audit")?.message).toMatch(
      /was last used (199|200) days ago/,
    );
    expect(roles.has("seed-admin")).toBe(true);
    expect(unused.find((f) => f.role === "seed-admin")?.severity).toBe("low");
    expect(unused.find((f) => f.role === "deploy-web")?.severity).toBe("info");
    for (const dead of ["dead-key", "dead-audience", "other-workspace"])
      expect(roles.has(dead)).toBe(false);
    expect(report.findings.some((f) => f.ruleId === "role-unused")).toBe(false);
  });

  test("listing role by role reports the same as the account-wide read", async () => {
    const listed = await runAudit(managementAccess(ep), {
      organization: true,
      assumeRoleName: "OrganizationAccountAccessRole",
      now: NOW,
      version: "test",
      listOnly: true,
    });
    expect(rulesByRole(listed)).toEqual(rulesByRole(report));
    const audited = (r: AuditReport) => r.accounts.filter((a) => a.status === "audited");
    expect(new Set(audited(report).map((a) => a.readWith))).toEqual(
      new Set(["GetAccountAuthorizationDetails"]),
    );
    expect(new Set(audited(listed).map((a) => a.readWith))).toEqual(new Set(["ListRoles"]));
    const blast = (r: AuditReport) => r.roles.map((x) => [x.arn, x.blast.level]);
    expect(blast(listed)).toEqual(blast(report));
  });
});
