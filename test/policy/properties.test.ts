// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are literal ${…} text in policies.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PolicyError } from "../../src/errors.js";
import { compileGlob, parseGlob } from "../../src/policy/glob.js";
import {
  type CompiledPolicy,
  compilePolicy,
  firstFailure,
  OPERATORS,
} from "../../src/policy/index.js";
import { HOST, PROVIDER_ARN } from "./helpers.js";

const KEYS = [
  `${HOST}:sub`,
  `${HOST}:aud`,
  `${HOST}:amr`,
  "aws:SourceIp",
  "aws:CurrentTime",
  "k:n",
  "aws:username",
];
const keyArb = fc.oneof(
  fc.constantFrom(...KEYS),
  fc.constantFrom(...KEYS).map((k) => k.toUpperCase()),
  fc.string({ maxLength: 8 }),
);
const scalarText = fc.oneof(
  fc.constantFrom(
    "{repo-a}:*",
    "{repo-a}:{s}",
    "10.0.0.0/8",
    "1.2.3.4",
    "::ffff:1.2.3.4",
    "2001:db8::/32",
  ),
  fc.constantFrom(
    "2024-01-01T00:00:00Z",
    "1700000000",
    "true",
    "false",
    "QUJD",
    "5",
    "-1.5",
    "arn:aws:iam::*:role/*",
  ),
  fc.constantFrom("${aws:username}", "${*}x", "a${", "${k:n, 'd'}", "*", "?"),
  fc.string({ maxLength: 10 }),
);
const junk = fc.oneof(fc.anything({ maxDepth: 1 }), fc.string({ maxLength: 10 }));
/** Mostly valid, sometimes anything: so both paths (PolicyError, evaluation) get exercised. */
const mostly = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: junk, weight: 1 });

const FAMILY_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  String: scalarText,
  Arn: fc.constantFrom(
    "arn:aws:iam::*:role/*",
    "*",
    "arn:aws:s3:::b${*}",
    "arn:${aws:username}:x:y:z:w",
  ),
  Numeric: fc.oneof(fc.integer(), fc.constantFrom("5", "-1.5", "1e3")),
  Date: fc.oneof(fc.constantFrom("2024-01-01T00:00:00Z", "2024-06-01", "1700000000"), fc.nat()),
  Bool: fc.constantFrom("true", "false", true, false),
  Binary: fc.constantFrom("QUJD", "QQ=="),
  Ip: fc.constantFrom("10.0.0.0/8", "1.2.3.4", "2001:db8::/32", "::ffff:10.0.0.0/104"),
  Null: fc.constantFrom("true", "false", true),
};
const familyOf = (op: string) => OPERATORS.get(op)!.family;
const baseOps = [...OPERATORS.keys()];
const operatorName = fc
  .tuple(
    fc.constantFrom("", "", "ForAnyValue:", "ForAllValues:"),
    fc.constantFrom(...baseOps),
    fc.boolean(),
  )
  .map(([prefix, base, ifExists]) =>
    base === "Null"
      ? { name: base, base }
      : { name: `${prefix}${base}${ifExists ? "IfExists" : ""}`, base },
  );
const conditionEntry = operatorName.chain(({ name, base }) => {
  const v = FAMILY_VALUES[familyOf(base)]!;
  const value = fc.oneof(v, fc.array(v, { minLength: 1, maxLength: 4 }));
  return fc.tuple(
    fc.oneof(
      { arbitrary: fc.constant(name), weight: 15 },
      { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
    ),
    fc.dictionary(keyArb, mostly(value), { minKeys: 1, maxKeys: 3 }),
  );
});
const conditionArb = fc
  .array(conditionEntry, { maxLength: 3 })
  .map((entries) => Object.fromEntries(entries));
const principalArb = fc.constantFrom(
  "*",
  { Federated: PROVIDER_ARN },
  { AWS: ["123456789012", "arn:aws:iam::123456789012:role/r"] },
  { AWS: "*" },
  { Service: "ec2.amazonaws.com" },
);
const statementFor = (kind: "trust" | "identity") => {
  const model: Record<string, fc.Arbitrary<unknown>> = {
    Sid: fc.constantFrom("A", "B", ""),
    Effect: mostly(fc.constantFrom("Allow", "Deny")),
    Action: mostly(
      fc.constantFrom("sts:AssumeRoleWithWebIdentity", "sts:*", "*", "sts:Assume?ole*", [
        "sts:TagSession",
        "s3:Get*",
      ]),
    ),
    Condition: mostly(conditionArb),
  };
  if (kind === "trust") model.Principal = mostly(principalArb);
  else {
    model.Resource = mostly(
      fc.constantFrom("*", "arn:aws:s3:::b/*", "arn:aws:s3:::home/${aws:username}/*"),
    );
  }
  const required = ["Effect", "Action", kind === "trust" ? "Principal" : "Resource"];
  return fc.record(model, { requiredKeys: required });
};
const kindArb = fc.constantFrom("trust", "identity") as fc.Arbitrary<"trust" | "identity">;
const documentFor = (kind: "trust" | "identity") =>
  fc.record(
    {
      Version: fc.constantFrom("2012-10-17", "2008-10-17", "2020-01-01"),
      Statement: fc.oneof(
        statementFor(kind),
        fc.array(statementFor(kind), { minLength: 1, maxLength: 3 }),
      ),
    },
    { requiredKeys: ["Statement"] },
  );
const docAndKind = kindArb.chain((kind) => fc.tuple(documentFor(kind), fc.constant(kind)));
const contextArb = fc.dictionary(
  keyArb,
  fc.oneof(
    scalarText,
    fc.array(scalarText, { maxLength: 3 }),
    fc.anything({ maxDepth: 1 }) as fc.Arbitrary<string>,
  ),
  { maxKeys: 5 },
);
const requestArb = fc.record({
  principal: fc.oneof(
    fc.constant(undefined),
    fc.constant({ type: "Federated" as const, id: PROVIDER_ARN }),
    fc.constant({
      type: "AWS" as const,
      id: "arn:aws:sts::123456789012:assumed-role/r/s",
      account: "123456789012",
    }),
  ),
  action: fc.constantFrom("sts:AssumeRoleWithWebIdentity", "sts:TagSession", "s3:GetObject"),
  resource: fc.constantFrom(undefined, "arn:aws:s3:::b/k"),
  context: contextArb,
});

function tryCompile(doc: unknown, kind: "trust" | "identity"): CompiledPolicy | undefined {
  try {
    return compilePolicy(doc, { kind });
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    expect(e.code).toBe("ERR_POLICY_MALFORMED");
    expect(e.path.startsWith("$")).toBe(true);
    return undefined;
  }
}

describe("property: compile and evaluate are total", () => {
  it("random documents only ever throw PolicyError; evaluation never throws and is consistent", () => {
    let compiled = 0;
    fc.assert(
      fc.property(
        docAndKind,
        fc.array(requestArb, { minLength: 1, maxLength: 3 }),
        ([doc, kind], requests) => {
          const p = tryCompile(doc, kind);
          if (!p) return;
          compiled++;
          for (const req of requests) {
            const r = p.evaluate(req);
            expect(r.allowed).toBe(r.decision === "allow");
            for (const s of r.statements) {
              const all = s.conditions.every((c) => c.matched);
              expect(s.applies).toBe(
                s.principalMatched && s.actionMatched && s.resourceMatched && all,
              );
            }
            expect(typeof firstFailure(r)).toBe("string");
          }
        },
      ),
      { numRuns: 1500 },
    );
    // The generator must produce enough valid policies to be meaningful.
    expect(compiled).toBeGreaterThan(300);
  });

  it("arbitrary JSON values and text only ever throw PolicyError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.json(), fc.string()), (doc) => {
        tryCompile(doc, "trust");
      }),
      { numRuns: 500 },
    );
  });

  it("compiling the same document twice gives identical results", () => {
    fc.assert(
      fc.property(
        docAndKind,
        fc.array(requestArb, { minLength: 1, maxLength: 3 }),
        ([doc, kind], requests) => {
          const a = tryCompile(doc, kind);
          if (!a) return;
          const b = compilePolicy(JSON.stringify(doc), { kind });
          for (const req of requests) expect(b.evaluate(req)).toEqual(a.evaluate(req));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("property: wildcard matching agrees with a regular-expression oracle", () => {
  const alphabet = fc.constantFrom("a", "b", ":", "*", "?");
  const text = fc.array(fc.constantFrom("a", "b", ":"), { maxLength: 12 }).map((a) => a.join(""));
  it("matches exactly when the equivalent anchored RegExp does", () => {
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }).map((a) => a.join("")),
        text,
        (pattern, value) => {
          const re = new RegExp(`^${pattern.replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "s");
          expect(compileGlob(parseGlob(pattern))(value)).toBe(re.test(value));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
