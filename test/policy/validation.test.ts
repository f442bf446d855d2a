import { describe, expect, it } from "vitest";
import { PolicyError } from "../../src/errors.js";
import { compilePolicy, type PolicyKind } from "../../src/policy/index.js";
import { ACTION, PROVIDER_ARN } from "./helpers.js";

const base = { Effect: "Allow", Principal: { Federated: PROVIDER_ARN }, Action: ACTION };

function errorOf(doc: unknown, kind: PolicyKind = "trust"): PolicyError {
  try {
    compilePolicy(doc, { kind });
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return e as PolicyError;
  }
  throw new Error("expected a PolicyError");
}

function stmt(extra: Record<string, unknown>, drop: string[] = []) {
  const s: Record<string, unknown> = { ...base, ...extra };
  for (const d of drop) delete s[d];
  return { Version: "2012-10-17", Statement: [s] };
}

describe("valid documents", () => {
  it("accepts a Bitbucket trust policy as a string or an object, Statement as object or list", () => {
    const doc = stmt({ Condition: { StringLike: { "x:sub": "{r}:*" } } });
    expect(compilePolicy(JSON.stringify(doc), { kind: "trust" }).kind).toBe("trust");
    expect(() => compilePolicy({ Statement: base }, { kind: "trust" })).not.toThrow();
    expect(() =>
      compilePolicy({ Version: "2008-10-17", Statement: base }, { kind: "trust" }),
    ).not.toThrow();
  });

  it("keeps the document and its size", () => {
    const text = JSON.stringify(stmt({}), null, 2);
    const p = compilePolicy(text, { kind: "trust" });
    expect(p.document).toEqual(stmt({}));
    expect(p.size).toBe(JSON.stringify(stmt({})).length);
  });

  it("accepts identity policies with Resource and no Principal", () => {
    const doc = {
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Action: "s3:Get*", Resource: "*" },
    };
    expect(compilePolicy(doc, { kind: "identity" }).kind).toBe("identity");
  });
});

describe("validation errors carry the JSON path and say what would be right", () => {
  it("a typo'd operator suggests the nearest valid name", () => {
    const e = errorOf(stmt({ Condition: { StringEqual: { "x:aud": "a" } } }));
    expect(e.code).toBe("ERR_POLICY_MALFORMED");
    expect(e.path).toBe("$.Statement[0].Condition.StringEqual");
    expect(e.message).toContain('did you mean "StringEquals"');
  });

  it("operator names are case-sensitive, as IAM's are", () => {
    const e = errorOf(stmt({ Condition: { stringEquals: { "x:aud": "a" } } }));
    expect(e.path).toBe("$.Statement[0].Condition.stringEquals");
    expect(e.message).toContain('"StringEquals"');
  });

  it("set prefixes are quoted in the path and checked", () => {
    const e = errorOf(stmt({ Condition: { "ForAnyValues:StringLike": { "x:amr": "a" } } }));
    expect(e.path).toBe('$.Statement[0].Condition["ForAnyValues:StringLike"]');
    expect(e.message).toContain("ForAnyValue:StringLike");
    expect(errorOf(stmt({ Condition: { NullIfExists: { a: "true" } } })).message).toContain("Null");
  });

  it("Resource in a trust policy", () => {
    const e = errorOf(stmt({ Resource: "*" }));
    expect(e.path).toBe("$.Statement[0].Resource");
    expect(e.message).toContain("must not have Resource");
    expect(e.awsMessage).toBe("Has prohibited field Resource");
    expect(errorOf(stmt({ NotResource: "*" })).path).toBe("$.Statement[0].NotResource");
  });

  it("bad Effect", () => {
    const e = errorOf(stmt({ Effect: "allow" }));
    expect(e.path).toBe("$.Statement[0].Effect");
    expect(e.message).toContain('"Allow"');
    expect(errorOf(stmt({}, ["Effect"])).path).toBe("$.Statement[0].Effect");
  });

  it("missing Principal in a trust policy; Principal in an identity policy", () => {
    const e = errorOf(stmt({}, ["Principal"]));
    expect(e.path).toBe("$.Statement[0].Principal");
    expect(e.message).toContain("Federated");
    const i = errorOf({ Statement: { ...base, Resource: "*" } }, "identity");
    expect(i.path).toBe("$.Statement.Principal");
  });

  it("NotPrincipal is refused in trust policies and with Allow", () => {
    expect(errorOf(stmt({ NotPrincipal: "*" }, ["Principal"])).path).toBe(
      "$.Statement[0].NotPrincipal",
    );
    const r = errorOf(
      {
        Statement: {
          Effect: "Allow",
          NotPrincipal: { AWS: "123456789012" },
          Action: "s3:*",
          Resource: "*",
        },
      },
      "resource",
    );
    expect(r.message).toContain("Deny");
  });

  it("principal shapes", () => {
    expect(errorOf(stmt({ Principal: { Federate: PROVIDER_ARN } })).path).toBe(
      "$.Statement[0].Principal.Federate",
    );
    expect(errorOf(stmt({ Principal: { AWS: ["123456789012", 5] } })).path).toBe(
      "$.Statement[0].Principal.AWS[1]",
    );
    expect(errorOf(stmt({ Principal: { AWS: "alice" } })).message).toContain("account ID");
    expect(errorOf(stmt({ Principal: "someone" })).path).toBe("$.Statement[0].Principal");
  });

  it("action shapes", () => {
    expect(errorOf(stmt({ Action: "AssumeRole" })).message).toContain("<service>:<action>");
    expect(errorOf(stmt({ Action: [] })).path).toBe("$.Statement[0].Action");
    expect(errorOf(stmt({ NotAction: "sts:*" })).message).toContain("not both");
    expect(errorOf(stmt({}, ["Action"])).path).toBe("$.Statement[0].Action");
  });

  it("unknown fields suggest the right one", () => {
    const e = errorOf(stmt({ Conditions: {} }));
    expect(e.path).toBe("$.Statement[0].Conditions");
    expect(e.message).toContain('"Condition"');
    expect(errorOf({ Version: "2012-10-17", Statements: [base] }).path).toBe("$.Statements");
  });

  it("Version, Sid, Statement", () => {
    expect(errorOf({ Version: "2012-10-18", Statement: base }).path).toBe("$.Version");
    expect(errorOf(stmt({ Sid: "no spaces" })).path).toBe("$.Statement[0].Sid");
    const dup = {
      Statement: [
        { ...base, Sid: "A" },
        { ...base, Sid: "A" },
      ],
    };
    expect(errorOf(dup).path).toBe("$.Statement[1].Sid");
    expect(errorOf({ Version: "2012-10-17" }).path).toBe("$.Statement");
    expect(errorOf({ Statement: [] }).path).toBe("$.Statement");
    expect(errorOf({ Statement: ["x"] }).path).toBe("$.Statement[0]");
    expect(errorOf([]).path).toBe("$");
  });

  it("invalid JSON text fails at $", () => {
    const e = errorOf('{"Version": "2012-10-17",');
    expect(e.path).toBe("$");
    expect(e.message).toContain("not valid JSON");
  });

  it("condition block shapes and values", () => {
    expect(errorOf(stmt({ Condition: [] })).path).toBe("$.Statement[0].Condition");
    expect(errorOf(stmt({ Condition: { StringEquals: "x" } })).path).toBe(
      "$.Statement[0].Condition.StringEquals",
    );
    expect(errorOf(stmt({ Condition: { StringEquals: { "x:aud": null } } })).path).toBe(
      '$.Statement[0].Condition.StringEquals["x:aud"]',
    );
    expect(errorOf(stmt({ Condition: { StringEquals: { "x:aud": ["a", {}] } } })).path).toBe(
      '$.Statement[0].Condition.StringEquals["x:aud"][1]',
    );
    expect(errorOf(stmt({ Condition: { StringEquals: { "x:aud": [] } } })).message).toContain(
      "at least one value",
    );
  });

  it("unparseable numbers, dates, addresses, booleans and base64 fail at compile time", () => {
    const at = (op: string, v: unknown) =>
      errorOf(stmt({ Condition: { [op]: { "k:k": v } } })).path;
    expect(at("NumericLessThan", "ten")).toBe('$.Statement[0].Condition.NumericLessThan["k:k"]');
    expect(at("DateGreaterThan", ["2024-01-01", "yesterday"])).toBe(
      '$.Statement[0].Condition.DateGreaterThan["k:k"][1]',
    );
    expect(at("DateLessThan", "2024-02-30")).toContain("DateLessThan");
    expect(at("IpAddress", ["10.0.0.0/8", "10.0.0.0/33"])).toBe(
      '$.Statement[0].Condition.IpAddress["k:k"][1]',
    );
    expect(at("IpAddress", "not-an-ip")).toContain("IpAddress");
    expect(at("Bool", "yes")).toContain("Bool");
    expect(at("Null", "maybe")).toContain("Null");
    expect(at("BinaryEquals", "***")).toContain("BinaryEquals");
  });

  it("resource shapes in identity policies", () => {
    const doc = (r: unknown) => ({ Statement: { Effect: "Allow", Action: "s3:*", Resource: r } });
    expect(errorOf(doc("bucket"), "identity").path).toBe("$.Statement.Resource");
    expect(errorOf({ Statement: { Effect: "Allow", Action: "s3:*" } }, "identity").path).toBe(
      "$.Statement.Resource",
    );
  });
});

describe("IAM's own words: what the emulator's IAM answers with MalformedPolicyDocument", () => {
  const identity = (s: Record<string, unknown>) => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", ...s }],
  });
  const cases: [string, unknown, PolicyKind, string][] = [
    ["not JSON", "{nope", "trust", "This policy contains invalid Json"],
    [
      "an unknown Version",
      { ...stmt({}), Version: "2012-10-18" },
      "trust",
      "The policy failed legacy parsing",
    ],
    [
      "Resource in a trust policy",
      stmt({ Resource: "*" }),
      "trust",
      "Has prohibited field Resource",
    ],
    [
      "no Principal in a trust policy",
      stmt({}, ["Principal"]),
      "trust",
      "Missing required field Principal",
    ],
    ["no Action", stmt({}, ["Action"]), "trust", "Policy statement must contain actions."],
    [
      "a permission in a trust policy",
      stmt({ Action: ["sts:AssumeRoleWithWebIdentity", "s3:GetObject"] }),
      "trust",
      "AssumeRole policy may only specify STS AssumeRole actions.",
    ],
    [
      "an action without a vendor",
      stmt({ Action: "AssumeRole" }),
      "trust",
      "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
    ],
    [
      "an action with two colons",
      stmt({ Action: "sts:Assume:Role" }),
      "trust",
      "Actions/Condition can contain only one colon.",
    ],
    [
      "a Sid with punctuation",
      stmt({ Sid: "a-b" }),
      "trust",
      "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
    ],
    [
      "a principal that is no ARN",
      stmt({ Principal: { AWS: "deploy-role" } }),
      "trust",
      'Invalid principal in policy: "AWS":"deploy-role"',
    ],
    ["a bad Effect", stmt({ Effect: "allow" }), "trust", "Syntax errors in policy."],
    [
      "an unknown condition operator",
      stmt({ Condition: { StringEqual: { "x:aud": "a" } } }),
      "trust",
      "Syntax errors in policy.",
    ],
    [
      "Principal in an identity policy",
      identity({ Principal: "*" }),
      "identity",
      "Policy document should not specify a principal.",
    ],
    [
      "no Resource in an identity policy",
      { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject" }] },
      "identity",
      "Policy statement must contain resources.",
    ],
    [
      "a Resource that is no ARN",
      identity({ Resource: "my-bucket" }),
      "identity",
      'Resource my-bucket must be in ARN format or "*".',
    ],
  ];
  for (const [what, doc, kind, aws] of cases) {
    it(what, () => {
      const e = errorOf(doc, kind);
      expect(e.awsMessage).toBe(aws);
      // Our own message still says where and what would be right.
      expect(e.message).toMatch(/\(at \$/);
    });
  }

  it("a trust policy may name every STS assume action, by name or wildcard, and anything in NotAction", () => {
    for (const action of [
      "sts:AssumeRole",
      "sts:AssumeRoleWithSAML",
      "sts:TagSession",
      "sts:SetSourceIdentity",
      "sts:SetContext",
      "sts:*",
      "*",
      "STS:assumerole*",
    ]) {
      expect(
        () => compilePolicy(stmt({ Action: action }), { kind: "trust" }),
        action,
      ).not.toThrow();
    }
    expect(() =>
      compilePolicy(stmt({ Action: undefined, NotAction: "s3:*" }, ["Action"]), { kind: "trust" }),
    ).not.toThrow();
    expect(errorOf(stmt({ Action: "sts:GetCallerIdentity" })).awsMessage).toBe(
      "AssumeRole policy may only specify STS AssumeRole actions.",
    );
  });
});
