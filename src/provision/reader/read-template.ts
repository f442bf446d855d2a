/**
 * Reads a CloudFormation template (YAML with short-form tags, or JSON) into its long JSON form,
 * keeping every value's position so later errors name `file:line:column`.
 */
import { nearest } from "../../policy/suggest.js";
import { isRecord } from "../../shared/is-record.js";
import { planCfnTag, SHORT_FORM_TAGS } from "./cfn-tags.js";
import { parseLocatedJson } from "./located-json.js";
import { parseLocatedYaml } from "./located-yaml.js";
import { type Path, SourceLocations } from "./source-locations.js";
import { TemplateError } from "./template-error.js";
import type { CfnTemplate } from "./types.js";

export interface ParsedTemplate {
  sourceName: string;
  format: "yaml" | "json";
  template: CfnTemplate;
  locations: SourceLocations;
}

const TOP_LEVEL = [
  "AWSTemplateFormatVersion",
  "Description",
  "Metadata",
  "Transform",
  "Parameters",
  "Rules",
  "Mappings",
  "Conditions",
  "Resources",
  "Outputs",
  "Hooks",
];
const RESOURCE_KEYS = [
  "Type",
  "Properties",
  "DependsOn",
  "Condition",
  "Metadata",
  "DeletionPolicy",
  "UpdateReplacePolicy",
  "CreationPolicy",
  "UpdatePolicy",
];
const OUTPUT_KEYS = ["Value", "Description", "Export", "Condition"];
// CloudFormation: logical IDs are alphanumeric (A-Za-z0-9).
const LOGICAL_ID = /^[A-Za-z0-9]+$/;

export function readTemplate(text: string, sourceName: string): ParsedTemplate {
  const format = /^\s*\{/.test(text) ? "json" : "yaml";
  const doc =
    format === "json"
      ? parseLocatedJson(text, sourceName, parseJson(text, sourceName))
      : parseLocatedYaml(text, sourceName, { planTag: planCfnTag });
  const first = doc.problems[0];
  if (first) {
    const reason = first.tag
      ? SHORT_FORM_TAGS[first.tag]
        ? "tag-form"
        : "unknown-tag"
      : first.message.startsWith("YAML syntax")
        ? "syntax"
        : "structure";
    const more = doc.problems.length > 1 ? ` (and ${doc.problems.length - 1} more problems)` : "";
    // The problem knows its own position (syntax errors happen before any value is located).
    const locations = new SourceLocations(sourceName);
    if (first.position) locations.setValue(first.path, first.position);
    throw new TemplateError(reason, `${first.message}${more}`, {
      locations,
      sourceName,
      path: first.path,
    });
  }
  const template = checkStructure(doc.value, doc.locations, sourceName);
  return { sourceName, format, template, locations: doc.locations };
}

/** JSON.parse is the authority on JSON; the scanner only adds positions. */
function parseJson(text: string, sourceName: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const locations = new SourceLocations(sourceName);
    if (at) {
      const before = text.slice(0, Number(at[1]));
      const line = before.split("\n").length;
      locations.setValue([], { line, column: before.length - before.lastIndexOf("\n") });
    }
    throw new TemplateError("syntax", `not valid JSON: ${message}`, {
      locations,
      sourceName,
      path: [],
    });
  }
}

function checkStructure(
  value: unknown,
  locations: SourceLocations,
  sourceName: string,
): CfnTemplate {
  const fail = (path: Path, message: string, at: "key" | "value" = "value"): never => {
    throw new TemplateError("structure", message, { locations, sourceName, path, at });
  };
  const unknownKey = (path: Path, key: string, known: string[], what: string): never => {
    const guess = nearest(key, known);
    return fail(
      [...path, key],
      `unknown ${what} ${JSON.stringify(key)}${guess ? `; did you mean ${guess}?` : ""} (known: ${known.join(", ")})`,
      "key",
    );
  };
  if (!isRecord(value)) return fail([], "a template must be a mapping with a Resources section");
  for (const key of Object.keys(value)) {
    if (!TOP_LEVEL.includes(key)) unknownKey([], key, TOP_LEVEL, "top-level section");
  }
  for (const section of ["Parameters", "Mappings", "Conditions", "Outputs", "Metadata"]) {
    const v = value[section];
    if (v !== undefined && !isRecord(v)) fail([section], `${section} must be a mapping`);
  }
  const resources = value.Resources;
  if (!isRecord(resources) || Object.keys(resources).length === 0) {
    return fail(["Resources"], "Resources must be a mapping with at least one resource");
  }
  for (const [id, res] of Object.entries(resources)) {
    const path = ["Resources", id];
    if (!LOGICAL_ID.test(id))
      fail(path, `logical ID ${JSON.stringify(id)} must be alphanumeric`, "key");
    if (!isRecord(res)) fail(path, "a resource must be a mapping with a Type");
    const r = res as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      if (!RESOURCE_KEYS.includes(key)) unknownKey(path, key, RESOURCE_KEYS, "resource attribute");
    }
    if (typeof r.Type !== "string" || r.Type === "")
      fail([...path, "Type"], "Type must be a string such as AWS::IAM::Role");
    if (r.Properties !== undefined && r.Properties !== null && !isRecord(r.Properties)) {
      fail([...path, "Properties"], "Properties must be a mapping");
    }
    if (r.Condition !== undefined && typeof r.Condition !== "string") {
      fail([...path, "Condition"], "Condition must name a condition");
    }
    const dependsOn = r.DependsOn;
    if (
      dependsOn !== undefined &&
      typeof dependsOn !== "string" &&
      !(Array.isArray(dependsOn) && dependsOn.every((d) => typeof d === "string"))
    ) {
      fail([...path, "DependsOn"], "DependsOn must be a logical ID or a list of them");
    }
  }
  for (const [name, param] of Object.entries((value.Parameters ?? {}) as Record<string, unknown>)) {
    if (!isRecord(param) || typeof param.Type !== "string") {
      fail(["Parameters", name], "a parameter must be a mapping with a Type (e.g. String)");
    }
  }
  for (const [name, out] of Object.entries((value.Outputs ?? {}) as Record<string, unknown>)) {
    if (!isRecord(out) || !("Value" in out)) fail(["Outputs", name], "an output must have a Value");
    for (const key of Object.keys(out as Record<string, unknown>)) {
      if (!OUTPUT_KEYS.includes(key))
        unknownKey(["Outputs", name], key, OUTPUT_KEYS, "output field");
    }
  }
  return value as unknown as CfnTemplate;
}

/** Accepts what `readTemplate` returns or a bare template object (then without positions). */
export function asParsedTemplate(template: ParsedTemplate | CfnTemplate): ParsedTemplate {
  if (isRecord(template) && "template" in template && "locations" in template) {
    return template as ParsedTemplate;
  }
  const t = template as CfnTemplate;
  return {
    sourceName: "template",
    format: "json",
    template: t,
    locations: new SourceLocations("template"),
  };
}
