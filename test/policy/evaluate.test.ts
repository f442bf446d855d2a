// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are literal ${…} text in policies.
import { describe, expect, it } from "vitest";
import { compilePolicy, describeCondition, firstFailure } from "../../src/policy/index.js";
import { callerFromArn } from "../../src/sts/caller.js";
import { ACTION, FEDERATED, HOST, PROVIDER_ARN } from "./helpers.js";

const SUB = `${HOST}:sub`;
const AUD = `${HOST}:aud`;
const AUDIENCE = "ari:cloud:bitbucket::workspace/0b1c2d3e";

const trust = compilePolicy(
  {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Bitbucket",
        Effect: "Allow",
        Principal: { Federated: PROVIDER_ARN },
        Action: ACTION,
        Condition: {
          StringEquals: { [AUD]: AUDIENCE },
          StringLike: { [SUB]: "{repo-a}:*" },
          IpAddress: { "aws:SourceIp": ["34.199.54.113/32", "34.232.25.90/32"] },
        },
      },
    ],
  },
  { kind: "trust" },
);

const good = { [AUD]: AUDIENCE, [SUB]: "{repo-a}:{step}", "aws:SourceIp": "34.232.25.90" };

describe("trust policy decisions", () => {
  it("allows the pipeline it names", () => {
    const r = trust.evaluate({ principal: FEDERATED, action: ACTION, context: good });
    expect(r.decision).toBe("allow");
    expect(r.allowed).toBe(true);
    expect(r.statements[0]).toMatchObject({
      index: 0,
      sid: "Bitbucket",
      effect: "Allow",
      principalMatched: true,
      actionMatched: true,
      resourceMatched: true,
      applies: true,
    });
    expect(r.statements[0]!.conditions.map((c) => c.matched)).toEqual([true, true, true]);
    expect(firstFailure(r)).toBe(
      'statement 0 allows sts:AssumeRoleWithWebIdentity (Sid "Bitbucket")',
    );
  });

  it("denies another repository, with the reason in plain words", () => {
    const r = trust.evaluate({
      principal: FEDERATED,
      action: ACTION,
      context: { ...good, [SUB]: "{repo-b}:{step}" },
    });
    expect(r.decision).toBe("implicitDeny");
    const c = r.statements[0]!.conditions[1]!;
    expect(c).toEqual({
      operator: "StringLike",
      key: SUB,
      policyValues: ["{repo-a}:*"],
      contextValues: ["{repo-b}:{step}"],
      matched: false,
      reason: 'wanted "{repo-a}:*", the request has "{repo-b}:{step}"',
    });
    expect(describeCondition(c)).toBe(
      `condition StringLike on ${SUB} wanted "{repo-a}:*", the request has "{repo-b}:{step}"`,
    );
    expect(firstFailure(r)).toBe(
      `statement 0: condition StringLike on ${SUB} wanted "{repo-a}:*", the request has "{repo-b}:{step}"`,
    );
  });

  it("the Federated principal must be the provider ARN exactly", () => {
    const other = { type: "Federated" as const, id: `${PROVIDER_ARN}/` };
    const r = trust.evaluate({ principal: other, action: ACTION, context: good });
    expect(r.allowed).toBe(false);
    expect(r.statements[0]!.principalMatched).toBe(false);
    expect(firstFailure(r)).toContain("statement 0: principal wanted Federated");
    expect(trust.evaluate({ action: ACTION, context: good }).allowed).toBe(false);
  });

  it("actions match case-insensitively; another action is not allowed", () => {
    expect(
      trust.evaluate({
        principal: FEDERATED,
        action: "STS:assumerolewithwebidentity",
        context: good,
      }).allowed,
    ).toBe(true);
    const r = trust.evaluate({ principal: FEDERATED, action: "sts:AssumeRole", context: good });
    expect(r.statements[0]!.actionMatched).toBe(false);
    expect(firstFailure(r)).toBe("no statement allows sts:AssumeRole");
  });

  it("explicit Deny wins over Allow", () => {
    const p = compilePolicy(
      {
        Statement: [
          { Effect: "Allow", Principal: "*", Action: "sts:*" },
          {
            Effect: "Deny",
            Principal: "*",
            Action: "sts:Assume*",
            Condition: { StringNotLike: { [SUB]: "{repo-a}:*" } },
          },
        ],
      },
      { kind: "trust" },
    );
    const denied = p.evaluate({
      principal: FEDERATED,
      action: ACTION,
      context: { [SUB]: "{x}:{s}" },
    });
    expect(denied.decision).toBe("explicitDeny");
    expect(firstFailure(denied)).toBe(
      "statement 1 explicitly denies sts:AssumeRoleWithWebIdentity",
    );
    expect(
      p.evaluate({ principal: FEDERATED, action: ACTION, context: { [SUB]: "{repo-a}:s" } })
        .decision,
    ).toBe("allow");
    // Negated operator on an absent key: the Deny applies.
    expect(p.evaluate({ principal: FEDERATED, action: ACTION, context: {} }).decision).toBe(
      "explicitDeny",
    );
  });

  it("action wildcards and NotAction", () => {
    const p = (action: unknown, field = "Action") =>
      compilePolicy(
        { Statement: { Effect: "Allow", Principal: "*", [field]: action } },
        { kind: "trust" },
      );
    const ask = (pol: ReturnType<typeof p>, a: string) =>
      pol.evaluate({ principal: FEDERATED, action: a, context: {} }).allowed;
    expect(ask(p("sts:AssumeRole*"), ACTION)).toBe(true);
    expect(ask(p("sts:AssumeRole?ithWebIdentity"), ACTION)).toBe(true);
    expect(ask(p("sts:Tag*"), ACTION)).toBe(false);
    expect(ask(p("*"), ACTION)).toBe(true);
    expect(ask(p("sts:TagSession", "NotAction"), ACTION)).toBe(true);
    expect(ask(p("sts:*", "NotAction"), ACTION)).toBe(false);
  });

  it("every statement and condition is traced, not only the first failure", () => {
    const p = compilePolicy(
      {
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: "arn:aws:iam::1:oidc-provider/x" },
            Action: ACTION,
          },
          {
            Effect: "Allow",
            Principal: { Federated: PROVIDER_ARN },
            Action: ACTION,
            Condition: { StringEquals: { [AUD]: "nope" }, StringLike: { [SUB]: "nope" } },
          },
        ],
      },
      { kind: "trust" },
    );
    const r = p.evaluate({ principal: FEDERATED, action: ACTION, context: good });
    expect(r.statements).toHaveLength(2);
    expect(r.statements[1]!.conditions).toHaveLength(2);
    // The statement that came closest (right principal) is the one explained.
    expect(firstFailure(r)).toContain(`statement 1: condition StringEquals on ${AUD}`);
  });
});

describe("AWS principals", () => {
  const policy = (aws: unknown) =>
    compilePolicy(
      { Statement: { Effect: "Allow", Principal: { AWS: aws }, Action: "sts:AssumeRole" } },
      {
        kind: "trust",
      },
    );
  const session = {
    type: "AWS" as const,
    id: "arn:aws:sts::111122223333:assumed-role/deployer/s1",
    account: "111122223333",
    roleArn: "arn:aws:iam::111122223333:role/deployer",
  };
  const ask = (aws: unknown, who = session) =>
    policy(aws).evaluate({ principal: who, action: "sts:AssumeRole", context: {} }).allowed;

  it("an account ID or root ARN matches any caller of that account", () => {
    expect(ask("111122223333")).toBe(true);
    expect(ask("arn:aws:iam::111122223333:root")).toBe(true);
    expect(ask("999999999999")).toBe(false);
    expect(ask("arn:aws:iam::999999999999:root")).toBe(false);
  });

  it("a root ARN of another partition names that partition's account (one root-ARN parser)", () => {
    const cn = {
      type: "AWS" as const,
      id: "arn:aws-cn:sts::111122223333:assumed-role/deployer/s1",
      account: "111122223333",
      roleArn: "arn:aws-cn:iam::111122223333:role/deployer",
    };
    expect(ask("arn:aws-cn:iam::111122223333:root", cn)).toBe(true);
    expect(callerFromArn("arn:aws-cn:iam::111122223333:root")).toEqual({
      type: "root",
      arn: "arn:aws-cn:iam::111122223333:root",
      account: "111122223333",
      userId: "111122223333",
    });
  });

  it("a role ARN matches its sessions; an exact caller ARN matches", () => {
    expect(ask("arn:aws:iam::111122223333:role/deployer")).toBe(true);
    expect(ask("arn:aws:iam::111122223333:role/other")).toBe(false);
    expect(ask(session.id)).toBe(true);
  });

  it('"*" and {"AWS": "*"} match anyone', () => {
    expect(ask("*")).toBe(true);
    expect(ask("*", FEDERATED as never)).toBe(true);
  });

  it("Service principals are exact", () => {
    const p = compilePolicy(
      {
        Statement: {
          Effect: "Allow",
          Principal: { Service: ["ec2.amazonaws.com"] },
          Action: "sts:AssumeRole",
        },
      },
      { kind: "trust" },
    );
    const as = (id: string) =>
      p.evaluate({ principal: { type: "Service", id }, action: "sts:AssumeRole", context: {} })
        .allowed;
    expect(as("ec2.amazonaws.com")).toBe(true);
    expect(as("lambda.amazonaws.com")).toBe(false);
  });
});

describe("resource-based and identity policies", () => {
  it("NotPrincipal with Deny excludes the named principal from the Deny", () => {
    const p = compilePolicy(
      {
        Statement: [
          { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
          {
            Effect: "Deny",
            NotPrincipal: { AWS: "arn:aws:iam::111122223333:role/reader" },
            Action: "s3:*",
            Resource: "*",
          },
        ],
      },
      { kind: "resource" },
    );
    const reader = {
      type: "AWS" as const,
      id: "arn:aws:sts::111122223333:assumed-role/reader/s",
      account: "111122223333",
      roleArn: "arn:aws:iam::111122223333:role/reader",
    };
    const other = {
      ...reader,
      id: "arn:aws:sts::111122223333:assumed-role/x/s",
      roleArn: "arn:aws:iam::111122223333:role/x",
    };
    const req = { action: "s3:GetObject", resource: "arn:aws:s3:::b/k", context: {} };
    expect(p.evaluate({ ...req, principal: reader }).decision).toBe("allow");
    expect(p.evaluate({ ...req, principal: other }).decision).toBe("explicitDeny");
  });

  it("Resource patterns with variables and NotResource", () => {
    const p = compilePolicy(
      {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::home/${aws:username}/*" },
          { Effect: "Deny", Action: "s3:*", NotResource: "arn:aws:s3:::home/*" },
        ],
      },
      { kind: "identity" },
    );
    const ask = (resource: string, user?: string) =>
      p.evaluate({
        action: "s3:GetObject",
        resource,
        context: user ? { "aws:username": user } : {},
      });
    expect(ask("arn:aws:s3:::home/alice/f", "alice").decision).toBe("allow");
    expect(ask("arn:aws:s3:::home/bob/f", "alice").decision).toBe("implicitDeny");
    expect(ask("arn:aws:s3:::home/alice/f").decision).toBe("implicitDeny");
    expect(ask("arn:aws:s3:::other/f", "alice").decision).toBe("explicitDeny");
    expect(firstFailure(ask("arn:aws:s3:::home/bob/f", "alice"))).toContain("resource wanted");
  });
});

describe("odd requests never throw", () => {
  it("missing context, non-string values, missing action", () => {
    expect(trust.evaluate({ principal: FEDERATED, action: ACTION } as never).allowed).toBe(false);
    expect(
      trust.evaluate({ action: undefined, context: { [AUD]: 5, [SUB]: {} } } as never).allowed,
    ).toBe(false);
    expect(trust.evaluate(null as never).decision).toBe("implicitDeny");
  });
});
