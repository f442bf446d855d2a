// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not JavaScript templates.
/**
 * CloudFormation's intrinsic functions, one table entry each: what the function does with its
 * argument, given the resolver (`Evaluator`). Adding an intrinsic is adding an entry here; the
 * list of known names (for "did you mean") is this table's keys.
 */
import { nearest } from "../../policy/suggest.js";
import { cidrSubnets } from "./cidr.js";
import {
  describe,
  type Evaluator,
  isRecord,
  type Scope,
  strictScope,
  Unresolvable,
} from "./evaluation.js";
import type { Path } from "./source-locations.js";
import { parseSubString } from "./sub-string.js";

/** Evaluates one intrinsic: `arg` is what the template wrote under its key, `path` points there. */
export type Intrinsic = (e: Evaluator, arg: unknown, path: Path, scope: Scope) => unknown;

const join: Intrinsic = (e, arg, path, scope) => {
  const [delim, items] = e.args(arg, path, "Fn::Join", 2);
  const d = e.text(delim, [...path, 0], scope, "the Fn::Join delimiter");
  const list = e.list(items, [...path, 1], scope, "the Fn::Join values");
  return list
    .map((item, i) => {
      if (typeof item === "string") return item;
      if (typeof item === "number" || typeof item === "boolean") return String(item);
      throw e.error("invalid-function", `Fn::Join values must be strings, got ${describe(item)}`, [
        ...path,
        1,
        i,
      ]);
    })
    .join(d);
};

const select: Intrinsic = (e, arg, path, scope) => {
  const [index, items] = e.args(arg, path, "Fn::Select", 2);
  const i = Number(e.text(index, [...path, 0], scope, "the Fn::Select index"));
  const list = e.list(items, [...path, 1], scope, "the Fn::Select list");
  if (!Number.isInteger(i) || i < 0 || i >= list.length) {
    throw e.error(
      "invalid-function",
      `Fn::Select index ${i} is outside the list of ${list.length}`,
      [...path, 0],
    );
  }
  return list[i];
};

const split: Intrinsic = (e, arg, path, scope) => {
  const [delim, source] = e.args(arg, path, "Fn::Split", 2);
  const d = e.text(delim, [...path, 0], scope, "the Fn::Split delimiter");
  if (d === "")
    throw e.error("invalid-function", "the Fn::Split delimiter must not be empty", [...path, 0]);
  return e.text(source, [...path, 1], scope, "the Fn::Split source").split(d);
};

const ifFn: Intrinsic = (e, arg, path, scope) => {
  const [name, whenTrue, whenFalse] = e.args(arg, path, "Fn::If", 3);
  if (typeof name !== "string")
    throw e.error("invalid-function", "Fn::If must name a condition first", [...path, 0]);
  // Only the chosen branch is evaluated: the other may refer to resources that do not exist.
  return e.condition(name, [...path, 0])
    ? e.value(whenTrue, [...path, 1], scope)
    : e.value(whenFalse, [...path, 2], scope);
};

const equals: Intrinsic = (e, arg, path, scope) => {
  const [a, b] = e.args(arg, path, "Fn::Equals", 2);
  const strict = strictScope(scope);
  return sameValue(e.value(a, [...path, 0], strict), e.value(b, [...path, 1], strict));
};

const not: Intrinsic = (e, arg, path) => {
  const [c] = e.args(arg, path, "Fn::Not", 1);
  return !e.booleanOf(c, [...path, 0]);
};

const conditions =
  (fn: "Fn::And" | "Fn::Or"): Intrinsic =>
  (e, arg, path) => {
    const values = e.args(arg, path, fn, 2, 10).map((c, i) => e.booleanOf(c, [...path, i]));
    return fn === "Fn::And" ? values.every(Boolean) : values.some(Boolean);
  };

const base64: Intrinsic = (e, arg, path, scope) =>
  Buffer.from(e.text(arg, path, scope, "the Fn::Base64 value"), "utf8").toString("base64");

const importValue: Intrinsic = (e, arg, path, scope) => {
  const name = e.text(arg, path, scope, "the Fn::ImportValue name");
  const exports = e.options.exports;
  if (exports === undefined)
    throw new Unresolvable(`Fn::ImportValue ${name}: no exports were given`);
  if (!Object.hasOwn(exports, name))
    throw e.error("unknown-reference", `No export named ${name} found`, path);
  return exports[name];
};

const getAZs: Intrinsic = (e, arg, path, scope) => {
  const given = e.text(arg ?? "", path, scope, "the Fn::GetAZs region");
  const region = given === "" ? e.options.region : given;
  return e.options.availabilityZones?.(region) ?? ["a", "b", "c"].map((s) => `${region}${s}`);
};

const cidr: Intrinsic = (e, arg, path, scope) => {
  const [block, count, bits] = e.args(arg, path, "Fn::Cidr", 3);
  const result = cidrSubnets(
    e.text(block, [...path, 0], scope, "the Fn::Cidr block"),
    Number(e.text(count, [...path, 1], scope, "the Fn::Cidr count")),
    Number(e.text(bits, [...path, 2], scope, "the Fn::Cidr bits")),
  );
  if ("error" in result) throw e.error("invalid-function", `Fn::Cidr: ${result.error}`, path);
  return result;
};

const getAtt: Intrinsic = (e, arg, path, scope) => {
  let id: unknown;
  let attribute: unknown;
  if (typeof arg === "string") {
    const dot = arg.indexOf(".");
    [id, attribute] = dot < 0 ? [arg, undefined] : [arg.slice(0, dot), arg.slice(dot + 1)];
  } else if (Array.isArray(arg) && arg.length === 2) {
    id = arg[0];
    attribute = e.text(arg[1], [...path, 1], scope, "the Fn::GetAtt attribute name");
  }
  if (typeof id !== "string" || typeof attribute !== "string" || attribute === "") {
    throw e.error(
      "invalid-function",
      "Fn::GetAtt takes [LogicalId, Attribute] or LogicalId.Attribute",
      path,
    );
  }
  return e.attribute(id, attribute, path, scope);
};

const sub: Intrinsic = (e, arg, path, scope) => {
  let text: unknown = arg;
  const locals: Record<string, string> = {};
  if (Array.isArray(arg)) {
    const [t, vars] = e.args(arg, path, "Fn::Sub", 2);
    if (!isRecord(vars))
      throw e.error("invalid-function", "the Fn::Sub variables must be a mapping", [...path, 1]);
    text = t;
    for (const [k, v] of Object.entries(vars)) {
      locals[k] = e.text(v, [...path, 1, k], scope, `Fn::Sub variable ${k}`);
    }
  }
  const textPath = Array.isArray(arg) ? [...path, 0] : path;
  if (typeof text !== "string")
    throw e.error("invalid-function", "Fn::Sub takes a string", textPath);
  const parts = parseSubString(text);
  if ("error" in parts) throw e.error("invalid-function", `Fn::Sub: ${parts.error}`, textPath);
  const resources = e.template.Resources;
  return parts
    .map((part) => {
      if ("literal" in part) return part.literal;
      const name = part.variable;
      if (Object.hasOwn(locals, name)) return locals[name];
      if (e.isReferenceName(name)) {
        const v = e.ref(name, textPath, scope);
        if (typeof v === "string") return v;
        throw e.error(
          "invalid-function",
          `\${${name}} in Fn::Sub is a list; use Fn::Join on it`,
          textPath,
        );
      }
      const dot = name.indexOf(".");
      if (dot > 0 && name.slice(0, dot) in resources) {
        return e.attribute(name.slice(0, dot), name.slice(dot + 1), textPath, scope);
      }
      const guess = nearest(name, [...Object.keys(locals), ...e.referenceNames()]);
      throw e.error(
        "unknown-reference",
        `\${${name}} in Fn::Sub is not a variable, parameter, resource or pseudo parameter${guess ? `; did you mean ${guess}?` : ""}`,
        textPath,
        { hint: "Write ${!Name} for a literal ${Name}." },
      );
    })
    .join("");
};

const findInMap: Intrinsic = (e, arg, path, scope) => {
  const items = e.args(arg, path, "Fn::FindInMap", 3, 4);
  const mapName = e.text(items[0], [...path, 0], scope, "the map name");
  const top = e.text(items[1], [...path, 1], scope, "the top-level key");
  const second = e.text(items[2], [...path, 2], scope, "the second-level key");
  const fallback = items[3];
  const map = e.template.Mappings?.[mapName];
  const found =
    map && Object.hasOwn(map, top) && isRecord(map[top]) && Object.hasOwn(map[top], second)
      ? map[top]![second]
      : undefined;
  if (found !== undefined)
    return e.value(found, ["Mappings", mapName, top, second], strictScope(scope));
  if (isRecord(fallback) && "DefaultValue" in fallback) {
    return e.value(fallback.DefaultValue, [...path, 3, "DefaultValue"], strictScope(scope));
  }
  const what = !map
    ? `no mapping ${mapName}`
    : !Object.hasOwn(map, top)
      ? `mapping ${mapName} has no key ${top}`
      : `mapping ${mapName}.${top} has no key ${second}`;
  throw e.error("unknown-reference", `Fn::FindInMap: ${what}`, path);
};

/** Every intrinsic the reader evaluates, by the key CloudFormation's long form uses. */
export const INTRINSICS: Readonly<Record<string, Intrinsic>> = {
  Ref: (e, arg, path, scope) => {
    if (typeof arg !== "string") throw e.error("invalid-function", "Ref takes a name", path);
    return e.ref(arg, path, scope);
  },
  "Fn::GetAtt": getAtt,
  "Fn::Sub": sub,
  "Fn::Join": join,
  "Fn::Select": select,
  "Fn::Split": split,
  "Fn::If": ifFn,
  "Fn::Equals": equals,
  "Fn::And": conditions("Fn::And"),
  "Fn::Or": conditions("Fn::Or"),
  "Fn::Not": not,
  "Fn::FindInMap": findInMap,
  "Fn::Base64": base64,
  "Fn::ImportValue": importValue,
  "Fn::GetAZs": getAZs,
  "Fn::Cidr": cidr,
  "Fn::Length": (e, arg, path, scope) => e.list(arg, path, scope, "the Fn::Length argument").length,
  "Fn::ToJsonString": (e, arg, path, scope) =>
    JSON.stringify(e.value(arg, path, strictScope(scope))),
  "Fn::Transform": () => {
    throw new Unresolvable("Fn::Transform runs a macro in AWS; it is not run offline");
  },
};

export const KNOWN_FUNCTIONS: readonly string[] = Object.keys(INTRINSICS);

/** The functions a condition may be written with (plus `{Condition: name}`). */
export const CONDITION_FUNCTIONS: readonly string[] = [
  "Fn::Equals",
  "Fn::And",
  "Fn::Or",
  "Fn::Not",
  "Condition",
];

/** Evaluates `{ key: arg }`; an unknown key is a template error with the nearest known name. */
export function evaluateIntrinsic(
  e: Evaluator,
  key: string,
  arg: unknown,
  path: Path,
  scope: Scope,
): unknown {
  const fn = Object.hasOwn(INTRINSICS, key) ? INTRINSICS[key] : undefined;
  if (fn) return fn(e, arg, path, scope);
  const guess = nearest(key, KNOWN_FUNCTIONS);
  throw e.error(
    "invalid-function",
    `unknown intrinsic function ${key}${guess ? `; did you mean ${guess}?` : ""}`,
    path,
  );
}

function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) =>
    typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
  return norm(a) === norm(b);
}
