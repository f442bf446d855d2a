/** Progress as a person sees it on a terminal and as a CI log keeps it; the issuer table. */
import { describe, expect, test } from "vitest";
import { progressView } from "../../src/audit/format/progress.js";
import { issuerKind } from "../../src/audit/issuers.js";
import type { AccountResult } from "../../src/audit/types.js";

const result = (
  account: string,
  status: AccountResult["status"],
  error?: string,
): AccountResult => ({
  account,
  status,
  roles: 12,
  oidcRoles: 5,
  providers: [],
  ...(error ? { error } : {}),
});

describe("audit progress", () => {
  test("a terminal gets one line rewritten in place: accounts done, roles read, findings", () => {
    const v = progressView(true);
    expect(v.update({ type: "start", total: 3, scope: "organization o-x" })).toBe(
      "\r\x1b[2Kaudit: 0/3 accounts, 0 roles read, 0 findings",
    );
    v.update({ type: "roles", account: "111111111111", read: 700 });
    expect(v.update({ type: "roles", account: "222222222222", read: 800 })).toContain(
      "0/3 accounts, 1,500 roles read",
    );
    expect(
      v.update({
        type: "account",
        result: result("111111111111", "audited"),
        findings: 2,
        done: 1,
        total: 3,
      }),
    ).toBe("\r\x1b[2Kaudit: 1/3 accounts, 812 roles read, 2 findings");
    expect(v.finish()).toBe("\r\x1b[2K");
  });

  test("a CI log gets one plain line per account, the unreachable ones saying why", () => {
    const v = progressView(false);
    expect(v.update({ type: "start", total: 2, scope: "accounts 1, 2" })).toBe(
      "audit: accounts 1, 2: 2 accounts\n",
    );
    expect(v.update({ type: "roles", account: "111111111111", read: 10 })).toBe("");
    expect(
      v.update({
        type: "account",
        result: result("111111111111", "audited"),
        findings: 3,
        done: 1,
        total: 2,
      }),
    ).toBe("audit: [1/2] 111111111111 audited: 12 roles, 5 trusting OIDC, 3 findings\n");
    expect(
      v.update({
        type: "account",
        result: result("222222222222", "unreachable", "sts:AssumeRole … failed"),
        findings: 0,
        done: 2,
        total: 2,
      }),
    ).toBe("audit: [2/2] 222222222222 NOT audited: sts:AssumeRole … failed\n");
    expect(v.finish()).toBe("");
  });

  test("one role, one finding: counted in the singular", () => {
    const v = progressView(false);
    v.update({ type: "start", total: 1, scope: "account 111111111111" });
    expect(
      v.update({
        type: "account",
        result: { ...result("111111111111", "audited"), roles: 1, oidcRoles: 1 },
        findings: 1,
        done: 1,
        total: 1,
      }),
    ).toBe("audit: [1/1] 111111111111 audited: 1 role, 1 trusting OIDC, 1 finding\n");
  });
});

describe("the issuer table", () => {
  test.each([
    ["api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc", "bitbucket", false],
    ["token.actions.githubusercontent.com", "github", true],
    ["token.actions.githubusercontent.com/acme-enterprise", "github", false],
    ["github.example.com/_services/token", "github", false],
    ["gitlab.com", "gitlab", true],
    ["gitlab.example.com", "gitlab", false],
    ["app.terraform.io", "terraform-cloud", true],
    ["app.eu.terraform.io", "terraform-cloud", true],
    ["oidc.circleci.com/org/2f1e7a4c-8b3d-4c6e-9f0a-1d2b3c4e5f60", "circleci", false],
    ["oidc.eks.eu-west-1.amazonaws.com/id/ABC", "other", false],
  ])("%s is %s (multi-tenant: %s)", (url, id, multiTenant) => {
    const k = issuerKind(url);
    expect(k.id).toBe(id);
    expect(k.multiTenant(url)).toBe(multiTenant);
    expect(issuerKind(`https://${url}`).id).toBe(id);
  });

  test("owners are read from sub values as written, wildcards stop them", () => {
    expect(issuerKind("token.actions.githubusercontent.com").ownersIn("repo:acme/web:*")).toEqual([
      "acme",
    ]);
    expect(issuerKind("token.actions.githubusercontent.com").ownersIn("repo:acme*")).toEqual([
      "acme",
    ]);
    expect(issuerKind("token.actions.githubusercontent.com").ownersIn("repo:*")).toEqual([]);
    expect(
      issuerKind("gitlab.com").ownersIn("project_path:acme/infra:ref_type:branch:ref:main"),
    ).toEqual(["acme"]);
    expect(issuerKind("app.terraform.io").ownersIn("organization:acme:project:*")).toEqual([
      "acme",
    ]);
    const circle = issuerKind("oidc.circleci.com/org/x1");
    expect(circle.ownerFromUrl?.("oidc.circleci.com/org/x1")).toBe("x1");
  });
});
