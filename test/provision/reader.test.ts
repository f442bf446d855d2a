// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not JavaScript templates.
import { describe, expect, it } from "vitest";
import {
  dependencyOrder,
  iamResources,
  readTemplate,
  resolveTemplate,
  TemplateError,
} from "../../src/provision/reader/index.js";
import { fixture, HOST_PATH } from "./helpers.js";

const opts = {
  accountId: "111111111111",
  region: "eu-west-1",
  stackName: "s",
  exports: { "shared-vpc-id": "vpc-1", "dev-zone": "z1", "prod-zone": "z2" },
};

function errorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return err as TemplateError;
  }
  throw new Error("expected a TemplateError");
}

describe("readTemplate", () => {
  it("converts every short-form tag to the long form of the equivalent JSON", () => {
    const yaml = readTemplate(fixture("short-forms.yaml"), "short-forms.yaml");
    const json = readTemplate(fixture("short-forms.json"), "short-forms.json");
    expect(yaml.format).toBe("yaml");
    expect(json.format).toBe("json");
    expect(yaml.template).toEqual(json.template);
  });

  it.each([
    ["!Ref X", { Ref: "X" }],
    ["!Condition C", { Condition: "C" }],
    ["!Sub a-${X}", { "Fn::Sub": "a-${X}" }],
    ["!Sub ['a-${X}', {X: b}]", { "Fn::Sub": ["a-${X}", { X: "b" }] }],
    ["!GetAtt R.Endpoint.Address", { "Fn::GetAtt": ["R", "Endpoint.Address"] }],
    ["!GetAtt [R, Arn]", { "Fn::GetAtt": ["R", "Arn"] }],
    ["!Join [',', [a, b]]", { "Fn::Join": [",", ["a", "b"]] }],
    ["!If [C, a, b]", { "Fn::If": ["C", "a", "b"] }],
    ["!Equals [a, b]", { "Fn::Equals": ["a", "b"] }],
    ["!Not [!Condition C]", { "Fn::Not": [{ Condition: "C" }] }],
    ["!And [!Condition A, !Condition B]", { "Fn::And": [{ Condition: "A" }, { Condition: "B" }] }],
    ["!Or [!Condition A, !Condition B]", { "Fn::Or": [{ Condition: "A" }, { Condition: "B" }] }],
    ["!Select [0, [a]]", { "Fn::Select": [0, ["a"]] }],
    ["!Split [',', 'a,b']", { "Fn::Split": [",", "a,b"] }],
    ["!FindInMap [M, a, b]", { "Fn::FindInMap": ["M", "a", "b"] }],
    ["!Base64 abc", { "Fn::Base64": "abc" }],
    ["!ImportValue x", { "Fn::ImportValue": "x" }],
    ["!ImportValue {Fn::Sub: x}", { "Fn::ImportValue": { "Fn::Sub": "x" } }],
    ["!GetAZs ''", { "Fn::GetAZs": "" }],
    ["!GetAZs {Ref: AWS::Region}", { "Fn::GetAZs": { Ref: "AWS::Region" } }],
    ["!Cidr [10.0.0.0/16, 2, 8]", { "Fn::Cidr": ["10.0.0.0/16", 2, 8] }],
    ["!Transform {Name: M}", { "Fn::Transform": { Name: "M" } }],
  ])("%s", (short, long) => {
    const parsed = readTemplate(
      `Resources:\n  R:\n    Type: Custom::X\n    Properties:\n      P: ${short}\n`,
      "t.yaml",
    );
    expect(parsed.template.Resources.R!.Properties!.P).toEqual(long);
  });

  it("names the file, line and column of an unknown tag", () => {
    const err = errorOf(() =>
      readTemplate(
        "Resources:\n  R:\n    Type: Custom::X\n    Properties:\n      P: !Reff X\n",
        "t.yaml",
      ),
    );
    expect(err.reason).toBe("unknown-tag");
    expect([err.line, err.column]).toEqual([5, 10]);
    expect(err.message).toMatch(/^t\.yaml:5:10: Resources\.R\.Properties\.P: unknown tag !Reff/);
  });

  it("refuses a short form in the wrong shape", () => {
    const err = errorOf(() =>
      readTemplate("Resources:\n  R:\n    Type: X\n    Properties: { P: !Join abc }\n", "t.yaml"),
    );
    expect(err.reason).toBe("tag-form");
    expect(err.line).toBe(4);
    const syntax = errorOf(() => readTemplate("Resources:\n  R: [a\n  b: c\n", "t.yaml"));
    expect(syntax.reason).toBe("syntax");
    expect(syntax.line).toBeGreaterThan(0);
  });

  it("refuses templates without resources or with unknown sections, with a suggestion", () => {
    expect(errorOf(() => readTemplate("Description: x\n", "t.yaml")).message).toContain(
      "Resources",
    );
    const err = errorOf(() =>
      readTemplate("Resources: { R: { Type: X } }\nOutput: {}\n", "t.yaml"),
    );
    expect(err.message).toContain("did you mean Outputs?");
    expect(err.line).toBe(2);
  });

  it("reports JSON syntax errors with a position", () => {
    const err = errorOf(() => readTemplate('{\n  "Resources": {,}\n}', "t.json"));
    expect(err.reason).toBe("syntax");
    expect(err.line).toBe(2);
  });
});

describe("resolveTemplate", () => {
  it("resolves YAML short forms and the long-form JSON to the same values", () => {
    const y = resolveTemplate(readTemplate(fixture("short-forms.yaml"), "a.yaml"), opts);
    const j = resolveTemplate(readTemplate(fixture("short-forms.json"), "a.json"), opts);
    const strip = (r: typeof y) => ({
      ...r,
      sourceName: "",
      unresolved: r.unresolved.map((u) => [u.path, u.reason]),
    });
    expect(strip(y)).toEqual(strip(j));
  });

  it("evaluates parameters, pseudo parameters, conditions, mappings and functions", () => {
    const r = resolveTemplate(readTemplate(fixture("short-forms.yaml"), "a.yaml"), opts);
    expect(r.conditions).toEqual({ IsProd: false, IsDev: true, DevInIreland: true, Either: true });
    expect(r.skipped).toEqual(["ProdOnly"]);
    expect(r.order).toEqual(["Provider", "Role", "Macro"]);
    const role = r.resources.Role!;
    expect(role.properties.RoleName).toBe("app-dev-eu-west-1");
    expect(role.properties).not.toHaveProperty("MaxSessionDuration");
    expect(role.attributes.Arn).toBe("arn:aws:iam::111111111111:role/app/app-dev-eu-west-1");
    const tags = Object.fromEntries(
      (role.properties.Tags as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]),
    );
    expect(tags).toEqual({
      zones: "a+b+c",
      "first-zone": "x",
      memory: "512",
      encoded: "aGVsbG8=",
      imported: "vpc-1",
      az: "eu-west-1b",
      subnet: "10.0.2.0/24",
      either: "yes",
      literal: "${NotAVariable}",
      "list-sub": "dev-s",
      "arn-list-form": `arn:aws:iam::111111111111:oidc-provider/${HOST_PATH}`,
      "dev-only": "dev",
    });
    expect(r.resources.Macro!.properties).toMatchObject({ Secret: "hunter2", ImportedZone: "z1" });
    expect(r.parameters.Secret!.value).toBe("****");
    expect(r.outputs.RoleName!.value).toBe("app-dev-eu-west-1");
    expect(r.unresolved).toEqual([
      expect.objectContaining({
        path: "Resources.Macro.Properties.Expanded",
        location: "a.yaml:74:17",
      }),
    ]);
  });

  it("switches branches when a parameter changes a condition", () => {
    const r = resolveTemplate(readTemplate(fixture("short-forms.yaml"), "a.yaml"), {
      ...opts,
      parameters: { Env: "prod" },
    });
    expect(r.skipped).toEqual([]);
    expect(r.resources.Role!.properties.MaxSessionDuration).toBe(7200);
    expect(r.resources.ProdOnly!.properties.TopicName).toBe(
      "arn:aws:iam::111111111111:role/app/app-prod-eu-west-1",
    );
    expect(r.outputs).not.toHaveProperty("RoleName");
    // NoValue removes the property it stands in (Value), not the enclosing tag.
    const tags = r.resources.Role!.properties.Tags as { Key: string }[];
    expect(tags.find((t) => t.Key === "dev-only")).toEqual({ Key: "dev-only" });
  });

  it("refuses a value outside AllowedValues, at the parameter", () => {
    const err = errorOf(() =>
      resolveTemplate(readTemplate(fixture("short-forms.yaml"), "a.yaml"), {
        ...opts,
        parameters: { Env: "qa" },
      }),
    );
    expect(err.reason).toBe("invalid-parameter");
    expect(err.message).toContain("must be one of dev, prod");
  });

  it("names a missing required parameter where it is declared", () => {
    const text =
      "Parameters:\n  Bucket:\n    Type: String\nResources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties: { TopicName: !Ref Bucket }\n";
    const err = errorOf(() => resolveTemplate(readTemplate(text, "p.yaml"), opts));
    expect(err.reason).toBe("missing-parameter");
    expect([err.line, err.column]).toEqual([2, 3]);
    expect(err.message).toContain("Bucket");
  });

  it("names a circular reference between resources and where it is written", () => {
    const text = [
      "Resources:",
      "  A:",
      "    Type: AWS::IAM::Role",
      "    Properties: { RoleName: !Sub '${B}-a' }",
      "  B:",
      "    Type: AWS::IAM::Role",
      "    Properties: { RoleName: !GetAtt C.RoleId }",
      "  C:",
      "    Type: AWS::IAM::Role",
      "    DependsOn: A",
      "",
    ].join("\n");
    const parsed = readTemplate(text, "c.yaml");
    const err = errorOf(() => dependencyOrder(parsed));
    expect(err.reason).toBe("circular-reference");
    expect(err.message).toContain("A → B → C → A");
    expect(err.line).toBe(4);
    expect(errorOf(() => resolveTemplate(parsed, opts)).reason).toBe("circular-reference");
  });

  it("names a circular reference between conditions", () => {
    const text =
      "Conditions:\n  A: !Not [!Condition B]\n  B: !Not [!Condition A]\nResources:\n  T: { Type: X }\n";
    const err = errorOf(() => resolveTemplate(readTemplate(text, "c.yaml"), opts));
    expect(err.reason).toBe("circular-reference");
    expect(err.message).toContain("A → B → A");
  });

  it("orders resources dependencies first, keeping template order otherwise", () => {
    const text =
      "Resources:\n  Z: { Type: X, Properties: { A: !Ref Y } }\n  Y: { Type: X, DependsOn: [W] }\n  W: { Type: X }\n  V: { Type: X }\n";
    expect(dependencyOrder(readTemplate(text, "o.yaml"))).toEqual(["W", "Y", "Z", "V"]);
  });

  it("leaves what only AWS knows unresolved, and uses injected attributes", () => {
    const text =
      "Resources:\n  B: { Type: AWS::S3::Bucket }\n  T: { Type: X, Properties: { Arn: !GetAtt B.Arn, Name: !Join ['-', [!Ref B, x]] } }\n";
    const parsed = readTemplate(text, "u.yaml");
    const r = resolveTemplate(parsed, opts);
    expect(r.resources.T!.properties).toEqual({
      Arn: { "Fn::GetAtt": ["B", "Arn"] },
      Name: { "Fn::Join": ["-", [{ Ref: "B" }, "x"]] },
    });
    expect(r.unresolved.map((u) => u.path)).toEqual([
      "Resources.T.Properties.Arn",
      "Resources.T.Properties.Name",
    ]);
    const injected = resolveTemplate(parsed, {
      ...opts,
      resourceAttributes: (id, attr) =>
        id === "B" ? (attr === "Ref" ? "my-bucket" : `arn:aws:s3:::my-bucket`) : undefined,
    });
    expect(injected.resources.T!.properties).toEqual({
      Arn: "arn:aws:s3:::my-bucket",
      Name: "my-bucket-x",
    });
  });

  it("names unknown references and Sub variables with a suggestion", () => {
    const err = errorOf(() =>
      resolveTemplate(
        readTemplate(
          "Parameters: { Stage: { Type: String, Default: x } }\nResources:\n  T: { Type: X, Properties: { A: !Sub '${Stag}' } }\n",
          "r.yaml",
        ),
        opts,
      ),
    );
    expect(err.reason).toBe("unknown-reference");
    expect(err.message).toContain("did you mean Stage?");
    expect(err.line).toBe(3);
  });

  it("parses an AssumeRolePolicyDocument given as a JSON string", () => {
    const doc = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Federated: "x" }, Action: "sts:AssumeRoleWithWebIdentity" },
      ],
    });
    const text = `Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: '${doc}'\n`;
    const roles = iamResources(resolveTemplate(readTemplate(text, "s.yaml"), opts)).roles;
    expect(roles[0]!.trustPolicy).toEqual(JSON.parse(doc));
    expect(roles[0]!.name).toMatch(/^s-R-[A-Z2-7]{12}$/);
  });

  it("reads the seed-style template: provider, admin role, aud-only trust, fixed /32s", () => {
    const r = resolveTemplate(readTemplate(fixture("seed-style.yaml"), "seed-style.yaml"), opts);
    const iam = iamResources(r);
    expect(iam.providers).toEqual([
      expect.objectContaining({
        arn: `arn:aws:iam::111111111111:oidc-provider/${HOST_PATH}`,
        clientIds: ["ari:cloud:bitbucket::workspace/4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31"],
        thumbprints: ["a031c46782e6e6c662c2c87c76da9aa62ccabd8e"],
      }),
    ]);
    const role = iam.roles[0]!;
    expect(role.managedPolicyArns).toEqual(["arn:aws:iam::aws:policy/AdministratorAccess"]);
    const st = (
      role.trustPolicy as {
        Statement: { Principal: unknown; Condition: Record<string, Record<string, unknown>> }[];
      }
    ).Statement[0]!;
    expect(st.Principal).toEqual({ Federated: iam.providers[0]!.arn });
    expect(Object.keys(st.Condition.StringEquals!)).toEqual([`${HOST_PATH}:aud`]);
    expect(st.Condition).not.toHaveProperty("StringLike");
    expect(st.Condition.IpAddress!["aws:SourceIp"]).toHaveLength(9);
    expect(r.outputs.RoleArn!.value).toBe("arn:aws:iam::111111111111:role/bitbucket-pipelines");
  });

  it("computes Fn::Cidr for IPv6 too", () => {
    const r = resolveTemplate(
      readTemplate(
        "Resources:\n  T: { Type: X, Properties: { C: !Cidr ['2001:db8::/56', 2, 64] } }\n",
        "c.yaml",
      ),
      opts,
    );
    expect(r.resources.T!.properties.C).toEqual(["2001:db8::/64", "2001:db8:0:1::/64"]);
  });

  it("refuses references to resources that are not created", () => {
    const text =
      "Conditions:\n  No: !Equals [a, b]\nResources:\n  A: { Type: X, Condition: No }\n  B: { Type: X, Properties: { P: !Ref A } }\n";
    const err = errorOf(() => resolveTemplate(readTemplate(text, "n.yaml"), opts));
    expect(err.reason).toBe("not-created");
    expect(err.line).toBe(5);
  });
});
