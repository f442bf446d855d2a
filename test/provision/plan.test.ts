/**
 * The deployment plan: each role in the unit for its accounts or OUs, units within CloudFormation's
 * limits, and placement that never moves a deployed role when roles are added or removed.
 */
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../src/provision/config/index.js";
import { type DeployPlan, planDeployment } from "../../src/provision/plan/plan.js";
import { configText } from "./helpers.js";

const OWN = "111111111111";
const OTHER = ["222222222222", "333333333333"];
const OU = "ou-ab12-aaaaaaaa";

function roles(names: string[], target = (i: number) => `accounts: ["${OTHER[i % 2]}"]`) {
  return names
    .map(
      (n, i) => `  - name: ${n}
    ${target(i)}
    repositories: ["{9c1d7e44-3b2a-4f6e-8d15-${i.toString(16).padStart(12, "0")}}"]
`,
    )
    .join("");
}

function plan(
  names: string[],
  existing?: DeployPlan,
  opts: { transport?: "inline" | "s3"; target?: (i: number) => string } = {},
): DeployPlan {
  return planDeployment({
    config: loadConfig(configText(roles(names, opts.target)), "bb-oidc.yaml"),
    baseName: "bb",
    mechanism: "stacksets",
    callerAccount: OWN,
    transport: opts.transport ?? "inline",
    ...(existing
      ? { existing: new Map(existing.units.map((u) => [u.name, u.roles] as const)) }
      : {}),
  });
}

const names = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `role-${from + i}`);
const holding = (p: DeployPlan) => new Map(p.units.map((u) => [u.name, u.roles]));

describe("planDeployment", () => {
  test("an account both listed and in a targeted OU gets its provider from the OUs' provider unit only", () => {
    const config = loadConfig(
      configText(
        roles(["listed", "org"], (i) =>
          i === 0 ? `accounts: ["${OTHER[0]}", "${OTHER[1]}"]` : `organizationalUnits: ["${OU}"]`,
        ),
      ),
      "bb-oidc.yaml",
    );
    const p = planDeployment({
      config,
      baseName: "bb",
      mechanism: "stacksets",
      callerAccount: OWN,
      transport: "inline",
      ouAccounts: new Map([[OU, [OTHER[1]!]]]),
    });
    expect(p.units.find((u) => u.name === "bb-provider")?.accounts).toEqual([OTHER[0]]);
    expect(p.units.find((u) => u.name === "bb-provider-ous")?.organizationalUnits).toEqual([OU]);
    const units = new Map(p.accounts.map((a) => [a.account, a.units]));
    expect(units.get(OTHER[0]!)).toContain("bb-provider");
    expect(units.get(OTHER[1]!)).toContain("bb-provider-ous");
    expect(units.get(OTHER[1]!)).not.toContain("bb-provider");
  });

  test("splits roles into units within the inline limit, each unit's instances its roles' accounts", () => {
    const p = plan(names(150));
    const roleUnits = p.units.filter((u) => u.roles.length > 0);
    expect(roleUnits.length).toBeGreaterThan(1);
    for (const u of p.units) {
      expect(u.measure.bytes).toBeLessThanOrEqual(51_200);
      expect(u.transport).toBe("inline");
      expect(u.limits.every((l) => l.ok)).toBe(true);
    }
    expect(roleUnits.flatMap((u) => u.roles).sort()).toEqual(names(150).sort());
    expect(p.units[0]).toMatchObject({ name: "bb-provider", provider: true, accounts: OTHER });
    expect(p.accounts.map((a) => [a.account, a.roles.length])).toEqual([
      [OTHER[0], 75],
      [OTHER[1], 75],
    ]);
  });

  test("through S3 a unit holds up to 199 roles (the 200-output limit less the provider's)", () => {
    const p = plan(names(450), undefined, { transport: "s3" });
    const sizes = p.units.filter((u) => u.roles.length > 0).map((u) => u.roles.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(199);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(450);
    for (const u of p.units) expect(u.measure.outputs).toBeLessThanOrEqual(200);
  });

  test("the same config plans the same units", () => {
    const a = plan(names(120));
    const b = plan(names(120));
    expect(a.units.map((u) => [u.name, u.roles, u.body])).toEqual(
      b.units.map((u) => [u.name, u.roles, u.body]),
    );
  });

  test("a role added anywhere in the config goes to one unit; no deployed role moves", () => {
    const before = plan(names(150));
    const list = names(150);
    list.splice(3, 0, "role-inserted");
    const after = plan(list, before);
    const was = holding(before);
    const changed = after.units.filter(
      (u) => JSON.stringify(u.roles) !== JSON.stringify(was.get(u.name)),
    );
    expect(changed).toHaveLength(1);
    expect(changed[0]!.roles.filter((r) => !was.get(changed[0]!.name)?.includes(r))).toEqual([
      "role-inserted",
    ]);
    for (const [name, rolesBefore] of was) {
      const now = after.units.find((u) => u.name === name)!.roles;
      expect(
        rolesBefore.filter((r) => !now.includes(r)),
        name,
      ).toEqual([]);
    }
  });

  test("a removed role leaves its unit only; a unit left empty is removed", () => {
    const before = plan(names(150));
    const firstUnit = before.units.find((u) => u.roles.length > 0)!;
    const gone = firstUnit.roles[0]!;
    const after = plan(
      names(150).filter((n) => n !== gone),
      before,
    );
    const was = holding(before);
    const changed = after.units.filter(
      (u) => JSON.stringify(u.roles) !== JSON.stringify(was.get(u.name)),
    );
    expect(changed.map((u) => u.name)).toEqual([firstUnit.name]);
    expect(after.removals).toEqual([]);
    const lastUnit = [...before.units].reverse().find((u) => u.roles.length > 0)!;
    const shrunk = plan(
      names(150).filter((n) => !lastUnit.roles.includes(n)),
      before,
    );
    expect(shrunk.removals).toEqual([lastUnit.name]);
  });

  test("OU roles go to a service-managed StackSet of their OUs, the provider too", () => {
    const p = plan(["in-accounts", "in-ou"], undefined, {
      target: (i) => (i === 0 ? `accounts: ["${OTHER[0]}"]` : `organizationalUnits: ["${OU}"]`),
    });
    const ouUnits = p.units.filter((u) => u.permissionModel === "SERVICE_MANAGED");
    expect(ouUnits.map((u) => [u.organizationalUnits, u.roles, u.provider])).toEqual([
      [[OU], [], true],
      [[OU], ["in-ou"], false],
    ]);
    expect(p.ous).toMatchObject([{ organizationalUnits: [OU], roles: ["in-ou"] }]);
  });
});
