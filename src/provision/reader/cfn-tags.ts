/**
 * CloudFormation's YAML short forms and the long form each stands for. A short form is only
 * syntax: `!Join [",", [a, b]]` is exactly `{ "Fn::Join": [",", [a, b]] }`, so the reader converts
 * at parse time and everything downstream sees the JSON shape.
 */
import type { NodeKind, TagPlan } from "./located-yaml.js";

interface TagSpec {
  key: string;
  kinds: readonly NodeKind[];
  /** For the scalar form of `!GetAtt Logical.Attribute`. */
  transform?: (value: unknown) => unknown;
}

const ANY: readonly NodeKind[] = ["scalar", "sequence", "mapping"];
const SEQ: readonly NodeKind[] = ["sequence"];

// `!GetAtt A.B.C` names attribute `B.C` of `A`: logical IDs are alphanumeric, attributes may
// contain dots (e.g. `Endpoint.Address`), so only the first dot separates them.
function splitGetAtt(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const dot = value.indexOf(".");
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

export const SHORT_FORM_TAGS: Readonly<Record<string, TagSpec>> = {
  "!Ref": { key: "Ref", kinds: ["scalar"] },
  "!Condition": { key: "Condition", kinds: ["scalar"] },
  "!Sub": { key: "Fn::Sub", kinds: ["scalar", "sequence"] },
  "!GetAtt": {
    key: "Fn::GetAtt",
    kinds: ["scalar", "sequence"],
    transform: (v) => (Array.isArray(v) ? v : splitGetAtt(v)),
  },
  "!Join": { key: "Fn::Join", kinds: SEQ },
  "!If": { key: "Fn::If", kinds: SEQ },
  "!Equals": { key: "Fn::Equals", kinds: SEQ },
  "!Not": { key: "Fn::Not", kinds: SEQ },
  "!And": { key: "Fn::And", kinds: SEQ },
  "!Or": { key: "Fn::Or", kinds: SEQ },
  "!Select": { key: "Fn::Select", kinds: SEQ },
  "!Split": { key: "Fn::Split", kinds: SEQ },
  "!FindInMap": { key: "Fn::FindInMap", kinds: SEQ },
  "!Cidr": { key: "Fn::Cidr", kinds: SEQ },
  "!Base64": { key: "Fn::Base64", kinds: ["scalar", "mapping"] },
  "!ImportValue": { key: "Fn::ImportValue", kinds: ["scalar", "mapping"] },
  "!GetAZs": { key: "Fn::GetAZs", kinds: ["scalar", "mapping"] },
  "!Transform": { key: "Fn::Transform", kinds: ["mapping"] },
  // AWS::LanguageExtensions functions; harmless to accept as syntax.
  "!Length": { key: "Fn::Length", kinds: ANY },
  "!ToJsonString": { key: "Fn::ToJsonString", kinds: ["sequence", "mapping"] },
};

const FORM_WORD: Record<NodeKind, string> = {
  scalar: "a scalar (e.g. !Ref Name)",
  sequence: "a list (e.g. !Join [',', [a, b]])",
  mapping: "a mapping",
};

export function planCfnTag(tag: string, kind: NodeKind): TagPlan {
  const spec = SHORT_FORM_TAGS[tag];
  if (!spec) {
    return {
      problem: `unknown tag ${tag}: CloudFormation knows ${Object.keys(SHORT_FORM_TAGS).join(" ")}`,
      expected: "a CloudFormation short-form tag",
    };
  }
  if (!spec.kinds.includes(kind)) {
    return {
      problem: `${tag} takes ${spec.kinds.map((k) => FORM_WORD[k]).join(" or ")}, not a ${kind}`,
      expected: spec.kinds.join(" or "),
    };
  }
  return spec.transform ? { key: spec.key, transform: spec.transform } : { key: spec.key };
}
