// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not JavaScript templates.
/**
 * Resolves a template the way CloudFormation would for one stack: parameters, pseudo parameters,
 * conditions, mappings and intrinsic functions, giving each resource's final properties. It runs
 * offline, so what only AWS knows (attributes of arbitrary resources, exports, macros) comes from
 * injected callbacks; a value that cannot be known is left in its unresolved long form and listed
 * in `unresolved`, rather than guessed.
 */
import { createHash } from "node:crypto";
import { InputError } from "../../errors.js";
import { nearest } from "../../policy/suggest.js";
import { isRecord } from "../../shared/is-record.js";
import { cidrSubnets } from "./cidr.js";
import { dependencyGraph, topologicalOrder } from "./dependencies.js";
import { iamIdentity, type ResourceIdentity } from "./iam-attributes.js";
import { type ParameterValue, type ProvidedParameters, resolveParameters } from "./parameters.js";
import { asParsedTemplate, type ParsedTemplate } from "./read-template.js";
import { formatPath, type Path } from "./source-locations.js";
import { parseSubString } from "./sub-string.js";
import { TemplateError, type TemplateErrorReason } from "./template-error.js";
import type { CfnTemplate } from "./types.js";

export interface ResolveOptions {
  parameters?: ProvidedParameters;
  accountId: string;
  region: string;
  partition?: string;
  stackName: string;
  /** Default: a deterministic `arn:…:cloudformation:<region>:<account>:stack/<name>/<uuid>`. */
  stackId?: string;
  /** Exported output values by export name, for Fn::ImportValue. */
  exports?: Readonly<Record<string, string>>;
  /** Default: `<region>a`, `<region>b`, `<region>c` (an assumption: real lists vary by account). */
  availabilityZones?: (region: string) => string[];
  /**
   * `Ref` (asked as attribute "Ref") and `Fn::GetAtt` values of resources other than the IAM
   * ones the reader knows. Return undefined when unknown: the value then stays unresolved.
   */
  resourceAttributes?: (logicalId: string, attribute: string, type: string) => string | undefined;
}

export interface ResolvedResource {
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
  /** Direct dependencies (Ref, GetAtt, Sub, DependsOn) among created resources. */
  dependsOn: string[];
  condition?: string;
  metadata?: Record<string, unknown>;
  /** What `Ref` returns, when known. */
  physicalId?: string;
  attributes: Record<string, string>;
}

export interface ResolvedOutput {
  value: unknown;
  description?: unknown;
  exportName?: unknown;
}

export interface UnresolvedValue {
  path: string;
  /** `file:line:column` of the value. */
  location: string;
  reason: string;
}

export interface ResolvedTemplate {
  sourceName: string;
  description?: string;
  /** NoEcho values are masked as `****`, as DescribeStacks shows them. */
  parameters: Record<string, ParameterValue>;
  conditions: Record<string, boolean>;
  /** Created resources, in creation (dependency) order. */
  resources: Record<string, ResolvedResource>;
  order: string[];
  /** Resources whose Condition is false. */
  skipped: string[];
  outputs: Record<string, ResolvedOutput>;
  unresolved: UnresolvedValue[];
  pseudoParameters: Record<string, string | string[]>;
}

/** `Ref: AWS::NoValue`: the property (or list element) it stands in is removed. */
const NO_VALUE: unique symbol = Symbol("AWS::NoValue");

/** Thrown inside an intrinsic whose value only AWS could know; caught by the enclosing container. */
class Unresolvable {
  constructor(readonly reason: string) {}
}

const CONDITION_FUNCTIONS = ["Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition"];
const KNOWN_FUNCTIONS = [
  "Ref",
  "Fn::GetAtt",
  "Fn::Sub",
  "Fn::Join",
  "Fn::Select",
  "Fn::Split",
  "Fn::If",
  "Fn::Equals",
  "Fn::And",
  "Fn::Or",
  "Fn::Not",
  "Fn::FindInMap",
  "Fn::Base64",
  "Fn::ImportValue",
  "Fn::GetAZs",
  "Fn::Cidr",
  "Fn::Transform",
  "Fn::Length",
  "Fn::ToJsonString",
];
// Attributes IAM resources have; anything else is a template error, not an unknown.
const IAM_ATTRIBUTES: Record<string, string[]> = {
  "AWS::IAM::OIDCProvider": ["Arn"],
  "AWS::IAM::Role": ["Arn", "RoleId"],
  "AWS::IAM::ManagedPolicy": [
    "PolicyArn",
    "PolicyName",
    "PolicyId",
    "DefaultVersionId",
    "Path",
    "AttachmentCount",
    "CreateDate",
    "UpdateDate",
    "IsAttachable",
    "PermissionsBoundaryUsageCount",
  ],
  "AWS::IAM::InstanceProfile": ["Arn"],
};
// IAM resource properties that hold a policy document, which may be given as a JSON string.
const POLICY_DOCUMENT_PATHS: Record<string, string[][]> = {
  "AWS::IAM::Role": [["AssumeRolePolicyDocument"]],
  "AWS::IAM::ManagedPolicy": [["PolicyDocument"]],
  "AWS::IAM::Policy": [["PolicyDocument"]],
  "AWS::IAM::RolePolicy": [["PolicyDocument"]],
};

function intrinsicKey(v: unknown): string | undefined {
  if (!isRecord(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const k = keys[0]!;
  return k === "Ref" || k.startsWith("Fn::") ? k : undefined;
}

function urlSuffix(partition: string): string {
  if (partition === "aws-cn") return "amazonaws.com.cn";
  if (partition === "aws-iso") return "c2s.ic.gov";
  if (partition === "aws-iso-b") return "sc2s.sgov.gov";
  return "amazonaws.com";
}

function deterministicUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function resolveTemplate(
  template: ParsedTemplate | CfnTemplate,
  options: ResolveOptions,
): ResolvedTemplate {
  return new Resolver(asParsedTemplate(template), options).run();
}

interface Scope {
  /** Evaluating the Conditions section: resources may not be referenced. */
  inCondition: boolean;
  /** Inside an intrinsic's arguments: unknowns propagate instead of being kept in place. */
  strict: boolean;
}

const PROPERTY_SCOPE: Scope = { inCondition: false, strict: false };

class Resolver {
  private readonly t: CfnTemplate;
  private readonly pseudo: Record<string, string | string[]>;
  private readonly params: Map<string, ParameterValue>;
  private readonly conditionValues = new Map<string, boolean>();
  private readonly conditionStack: string[] = [];
  private readonly created = new Set<string>();
  private readonly identities = new Map<string, ResourceIdentity>();
  private readonly unresolved: UnresolvedValue[] = [];
  private readonly partition: string;

  constructor(
    private readonly parsed: ParsedTemplate,
    private readonly options: ResolveOptions,
  ) {
    this.t = parsed.template;
    if (!/^\d{12}$/.test(options.accountId)) {
      throw new InputError(`accountId must be 12 digits, got ${JSON.stringify(options.accountId)}`);
    }
    if (!options.region) throw new InputError("region is required to resolve a template");
    if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(options.stackName)) {
      throw new InputError(
        `stack name ${JSON.stringify(options.stackName)} must start with a letter and hold only letters, digits and hyphens (≤ 128)`,
      );
    }
    this.partition = options.partition ?? "aws";
    this.pseudo = {
      "AWS::AccountId": options.accountId,
      "AWS::Region": options.region,
      "AWS::Partition": this.partition,
      "AWS::StackName": options.stackName,
      "AWS::StackId":
        options.stackId ??
        `arn:${this.partition}:cloudformation:${options.region}:${options.accountId}:stack/${options.stackName}/${deterministicUuid(`${options.accountId}/${options.region}/${options.stackName}`)}`,
      "AWS::URLSuffix": urlSuffix(this.partition),
      "AWS::NotificationARNs": [],
    };
    this.params = resolveParameters(parsed, options.parameters ?? {});
  }

  run(): ResolvedTemplate {
    const conditions: Record<string, boolean> = {};
    for (const name of Object.keys(this.t.Conditions ?? {})) {
      conditions[name] = this.condition(name, ["Conditions", name]);
    }
    const skipped: string[] = [];
    for (const [id, res] of Object.entries(this.t.Resources)) {
      if (
        res.Condition !== undefined &&
        !this.condition(res.Condition, ["Resources", id, "Condition"])
      ) {
        skipped.push(id);
      } else {
        this.created.add(id);
      }
    }
    const graph = dependencyGraph(this.parsed, this.created);
    const order = topologicalOrder(graph, this.parsed);
    const resources: Record<string, ResolvedResource> = {};
    for (const id of order)
      resources[id] = this.resource(
        id,
        graph.edges.get(id)!.map((r) => r.target),
      );

    const outputs: Record<string, ResolvedOutput> = {};
    for (const [name, out] of Object.entries(this.t.Outputs ?? {})) {
      const path = ["Outputs", name];
      if (out.Condition !== undefined && !this.condition(out.Condition, [...path, "Condition"]))
        continue;
      const resolved: ResolvedOutput = { value: this.lenient(out.Value, [...path, "Value"]) };
      if (out.Description !== undefined) {
        resolved.description = this.lenient(out.Description, [...path, "Description"]);
      }
      if (out.Export !== undefined) {
        resolved.exportName = this.lenient(out.Export.Name, [...path, "Export", "Name"]);
      }
      outputs[name] = resolved;
    }

    const parameters: Record<string, ParameterValue> = {};
    for (const [name, p] of this.params) {
      parameters[name] = p.noEcho
        ? { ...p, value: Array.isArray(p.value) ? p.value.map(() => "****") : "****" }
        : p;
    }
    return {
      sourceName: this.parsed.sourceName,
      ...(typeof this.t.Description === "string" ? { description: this.t.Description } : {}),
      parameters,
      conditions,
      resources,
      order,
      skipped,
      outputs,
      unresolved: this.unresolved,
      pseudoParameters: { ...this.pseudo },
    };
  }

  // ---- resources -------------------------------------------------------------------------

  private resource(id: string, dependsOn: string[]): ResolvedResource {
    const res = this.t.Resources[id]!;
    const path: Path = ["Resources", id, "Properties"];
    const value = this.lenient(res.Properties ?? {}, path);
    const properties = isRecord(value) ? value : {};
    for (const docPath of POLICY_DOCUMENT_PATHS[res.Type] ?? []) {
      this.parsePolicyString(properties, docPath, path);
    }
    if (res.Type === "AWS::IAM::Role" && Array.isArray(properties.Policies)) {
      properties.Policies.forEach((p, i) => {
        if (isRecord(p)) this.parsePolicyString(p, ["PolicyDocument"], [...path, "Policies", i]);
      });
    }
    const identity = iamIdentity(res.Type, {
      logicalId: id,
      properties,
      accountId: this.options.accountId,
      partition: this.partition,
      stackName: this.options.stackName,
    }) ?? { attributes: {} };
    const ref = identity.ref ?? this.options.resourceAttributes?.(id, "Ref", res.Type);
    if (ref !== undefined) identity.ref = ref;
    this.identities.set(id, identity);
    return {
      logicalId: id,
      type: res.Type,
      properties,
      dependsOn: [...new Set(dependsOn)],
      ...(res.Condition === undefined ? {} : { condition: res.Condition }),
      ...(res.Metadata === undefined ? {} : { metadata: res.Metadata }),
      ...(identity.ref === undefined ? {} : { physicalId: identity.ref }),
      attributes: { ...identity.attributes },
    };
  }

  /** CloudFormation accepts IAM policy documents as JSON text as well as objects. */
  private parsePolicyString(holder: Record<string, unknown>, key: string[], base: Path): void {
    const k = key[0]!;
    const v = holder[k];
    if (typeof v !== "string") return;
    try {
      holder[k] = JSON.parse(v);
    } catch (err) {
      throw this.error(
        "structure",
        `${k} is a string but not valid JSON: ${(err as Error).message}`,
        [...base, k],
      );
    }
  }

  // ---- conditions ------------------------------------------------------------------------

  private condition(name: string, usedAt: Path): boolean {
    const known = this.conditionValues.get(name);
    if (known !== undefined) return known;
    const conditions = this.t.Conditions ?? {};
    if (!(name in conditions)) {
      const guess = nearest(name, Object.keys(conditions));
      throw this.error(
        "unknown-reference",
        `condition ${JSON.stringify(name)} is not defined in Conditions${guess ? `; did you mean ${guess}?` : ""}`,
        usedAt,
      );
    }
    const at = this.conditionStack.indexOf(name);
    if (at >= 0) {
      const cycle = [...this.conditionStack.slice(at), name].join(" → ");
      throw this.error("circular-reference", `circular reference between conditions: ${cycle}`, [
        "Conditions",
        name,
      ]);
    }
    this.conditionStack.push(name);
    const value = this.booleanOf(conditions[name], ["Conditions", name]);
    this.conditionStack.pop();
    this.conditionValues.set(name, value);
    return value;
  }

  private booleanOf(v: unknown, path: Path): boolean {
    if (isRecord(v) && Object.keys(v).length === 1 && typeof v.Condition === "string") {
      return this.condition(v.Condition, [...path, "Condition"]);
    }
    const key = intrinsicKey(v);
    if (key === undefined || !CONDITION_FUNCTIONS.includes(key)) {
      throw this.error(
        "invalid-function",
        "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or {Condition: name}",
        path,
      );
    }
    const r = this.fn(key, (v as Record<string, unknown>)[key], [...path, key], {
      inCondition: true,
      strict: true,
    });
    return r === true;
  }

  // ---- values ----------------------------------------------------------------------------

  /** Property context: an unknowable intrinsic stays as written and is listed in `unresolved`. */
  private lenient(v: unknown, path: Path): unknown {
    const r = this.child(v, path, PROPERTY_SCOPE);
    return r === NO_VALUE ? undefined : r;
  }

  private value(v: unknown, path: Path, scope: Scope): unknown {
    const key = intrinsicKey(v);
    if (key !== undefined)
      return this.fn(key, (v as Record<string, unknown>)[key], [...path, key], scope);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      v.forEach((item, i) => {
        const r = this.child(item, [...path, i], scope);
        if (r !== NO_VALUE) out.push(r);
      });
      return out;
    }
    if (isRecord(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) {
        const r = this.child(item, [...path, k], scope);
        if (r !== NO_VALUE)
          Object.defineProperty(out, k, {
            value: r,
            enumerable: true,
            writable: true,
            configurable: true,
          });
      }
      return out;
    }
    return v;
  }

  private child(item: unknown, path: Path, scope: Scope): unknown {
    if (scope.strict) return this.value(item, path, scope);
    try {
      return this.value(item, path, scope);
    } catch (e) {
      if (!(e instanceof Unresolvable)) throw e;
      this.unresolved.push({
        path: formatPath(path),
        location: this.parsed.locations.describe(path),
        reason: e.reason,
      });
      return item;
    }
  }

  private strictScope(scope: Scope): Scope {
    return { inCondition: scope.inCondition, strict: true };
  }

  /** An intrinsic's argument that must come out as one string (numbers are written as text). */
  private text(v: unknown, path: Path, scope: Scope, what: string): string {
    const r = this.value(v, path, this.strictScope(scope));
    if (typeof r === "string") return r;
    if (typeof r === "number" || typeof r === "boolean") return String(r);
    throw this.error("invalid-function", `${what} must be a string, got ${describe(r)}`, path);
  }

  private list(v: unknown, path: Path, scope: Scope, what: string): unknown[] {
    const r = this.value(v, path, this.strictScope(scope));
    if (Array.isArray(r)) return r;
    throw this.error("invalid-function", `${what} must be a list, got ${describe(r)}`, path);
  }

  private args(arg: unknown, path: Path, fn: string, min: number, max = min): unknown[] {
    if (!Array.isArray(arg) || arg.length < min || arg.length > max) {
      const n = min === max ? `${min}` : `${min} to ${max}`;
      throw this.error("invalid-function", `${fn} takes a list of ${n} arguments`, path);
    }
    return arg;
  }

  private fn(key: string, arg: unknown, path: Path, scope: Scope): unknown {
    const strict = this.strictScope(scope);
    switch (key) {
      case "Ref":
        if (typeof arg !== "string") throw this.error("invalid-function", "Ref takes a name", path);
        return this.ref(arg, path, scope);
      case "Fn::GetAtt":
        return this.getAtt(arg, path, scope);
      case "Fn::Sub":
        return this.sub(arg, path, scope);
      case "Fn::Join": {
        const [delim, items] = this.args(arg, path, key, 2);
        const d = this.text(delim, [...path, 0], scope, "the Fn::Join delimiter");
        const list = this.list(items, [...path, 1], scope, "the Fn::Join values");
        return list
          .map((item, i) => {
            if (typeof item === "string") return item;
            if (typeof item === "number" || typeof item === "boolean") return String(item);
            throw this.error(
              "invalid-function",
              `Fn::Join values must be strings, got ${describe(item)}`,
              [...path, 1, i],
            );
          })
          .join(d);
      }
      case "Fn::Select": {
        const [index, items] = this.args(arg, path, key, 2);
        const i = Number(this.text(index, [...path, 0], scope, "the Fn::Select index"));
        const list = this.list(items, [...path, 1], scope, "the Fn::Select list");
        if (!Number.isInteger(i) || i < 0 || i >= list.length) {
          throw this.error(
            "invalid-function",
            `Fn::Select index ${i} is outside the list of ${list.length}`,
            [...path, 0],
          );
        }
        return list[i];
      }
      case "Fn::Split": {
        const [delim, source] = this.args(arg, path, key, 2);
        const d = this.text(delim, [...path, 0], scope, "the Fn::Split delimiter");
        if (d === "")
          throw this.error("invalid-function", "the Fn::Split delimiter must not be empty", [
            ...path,
            0,
          ]);
        return this.text(source, [...path, 1], scope, "the Fn::Split source").split(d);
      }
      case "Fn::If": {
        const [name, whenTrue, whenFalse] = this.args(arg, path, key, 3);
        if (typeof name !== "string")
          throw this.error("invalid-function", "Fn::If must name a condition first", [...path, 0]);
        // Only the chosen branch is evaluated: the other may refer to resources that do not exist.
        return this.condition(name, [...path, 0])
          ? this.value(whenTrue, [...path, 1], scope)
          : this.value(whenFalse, [...path, 2], scope);
      }
      case "Fn::Equals": {
        const [a, b] = this.args(arg, path, key, 2);
        return sameValue(this.value(a, [...path, 0], strict), this.value(b, [...path, 1], strict));
      }
      case "Fn::Not": {
        const [c] = this.args(arg, path, key, 1);
        return !this.booleanOf(c, [...path, 0]);
      }
      case "Fn::And":
      case "Fn::Or": {
        const items = this.args(arg, path, key, 2, 10);
        const values = items.map((c, i) => this.booleanOf(c, [...path, i]));
        return key === "Fn::And" ? values.every(Boolean) : values.some(Boolean);
      }
      case "Fn::FindInMap":
        return this.findInMap(arg, path, scope);
      case "Fn::Base64":
        return Buffer.from(this.text(arg, path, scope, "the Fn::Base64 value"), "utf8").toString(
          "base64",
        );
      case "Fn::ImportValue": {
        const name = this.text(arg, path, scope, "the Fn::ImportValue name");
        const exports = this.options.exports;
        if (exports === undefined)
          throw new Unresolvable(`Fn::ImportValue ${name}: no exports were given`);
        if (!Object.hasOwn(exports, name)) {
          throw this.error("unknown-reference", `No export named ${name} found`, path);
        }
        return exports[name];
      }
      case "Fn::GetAZs": {
        const given = this.text(arg ?? "", path, scope, "the Fn::GetAZs region");
        const region = given === "" ? this.options.region : given;
        return (
          this.options.availabilityZones?.(region) ?? ["a", "b", "c"].map((s) => `${region}${s}`)
        );
      }
      case "Fn::Cidr": {
        const [block, count, bits] = this.args(arg, path, key, 3);
        const result = cidrSubnets(
          this.text(block, [...path, 0], scope, "the Fn::Cidr block"),
          Number(this.text(count, [...path, 1], scope, "the Fn::Cidr count")),
          Number(this.text(bits, [...path, 2], scope, "the Fn::Cidr bits")),
        );
        if ("error" in result)
          throw this.error("invalid-function", `Fn::Cidr: ${result.error}`, path);
        return result;
      }
      case "Fn::Length":
        return this.list(arg, path, scope, "the Fn::Length argument").length;
      case "Fn::ToJsonString":
        return JSON.stringify(this.value(arg, path, strict));
      case "Fn::Transform":
        throw new Unresolvable("Fn::Transform runs a macro in AWS; it is not run offline");
      default: {
        const guess = nearest(key, KNOWN_FUNCTIONS);
        throw this.error(
          "invalid-function",
          `unknown intrinsic function ${key}${guess ? `; did you mean ${guess}?` : ""}`,
          path,
        );
      }
    }
  }

  private ref(name: string, path: Path, scope: Scope): unknown {
    if (name === "AWS::NoValue") return NO_VALUE;
    if (name in this.pseudo) return this.pseudo[name];
    const param = this.params.get(name);
    if (param) return param.value;
    if (name in this.t.Resources) return this.resourceRef(name, path, scope);
    if (name.startsWith("AWS::")) {
      throw this.error("unknown-reference", `${name} is not a pseudo parameter`, path);
    }
    const guess = nearest(name, [
      ...this.params.keys(),
      ...Object.keys(this.t.Resources),
      ...Object.keys(this.pseudo),
    ]);
    throw this.error(
      "unknown-reference",
      `Ref to ${JSON.stringify(name)}, which is neither a parameter nor a resource${guess ? `; did you mean ${guess}?` : ""}`,
      path,
    );
  }

  private usable(id: string, path: Path, scope: Scope): void {
    if (scope.inCondition) {
      throw this.error("invalid-function", `conditions cannot refer to resources (${id})`, path);
    }
    if (!this.created.has(id)) {
      const cond = this.t.Resources[id]!.Condition;
      throw this.error(
        "not-created",
        `refers to ${id}, which is not created (its condition ${cond} is false)`,
        path,
        { hint: `Guard the reference with Fn::If ${cond}, or give both the same condition.` },
      );
    }
  }

  private resourceRef(id: string, path: Path, scope: Scope): string {
    this.usable(id, path, scope);
    const ref = this.identities.get(id)?.ref;
    if (ref !== undefined) return ref;
    throw new Unresolvable(
      `the physical ID of ${id} (${this.t.Resources[id]!.Type}) is known only after it is created`,
    );
  }

  private getAtt(arg: unknown, path: Path, scope: Scope): string {
    let id: unknown;
    let attribute: unknown;
    if (typeof arg === "string") {
      const dot = arg.indexOf(".");
      [id, attribute] = dot < 0 ? [arg, undefined] : [arg.slice(0, dot), arg.slice(dot + 1)];
    } else if (Array.isArray(arg) && arg.length === 2) {
      id = arg[0];
      attribute = this.text(arg[1], [...path, 1], scope, "the Fn::GetAtt attribute name");
    }
    if (typeof id !== "string" || typeof attribute !== "string" || attribute === "") {
      throw this.error(
        "invalid-function",
        "Fn::GetAtt takes [LogicalId, Attribute] or LogicalId.Attribute",
        path,
      );
    }
    return this.attribute(id, attribute, path, scope);
  }

  private attribute(id: string, attribute: string, path: Path, scope: Scope): string {
    const res = this.t.Resources[id];
    if (!res) {
      const guess = nearest(id, Object.keys(this.t.Resources));
      throw this.error(
        "unknown-reference",
        `Fn::GetAtt names ${JSON.stringify(id)}, which is not a resource${guess ? `; did you mean ${guess}?` : ""}`,
        path,
      );
    }
    this.usable(id, path, scope);
    const known = this.identities.get(id)?.attributes[attribute];
    if (known !== undefined) return known;
    const injected = this.options.resourceAttributes?.(id, attribute, res.Type);
    if (injected !== undefined) return injected;
    const fixed = IAM_ATTRIBUTES[res.Type];
    if (fixed && !fixed.includes(attribute)) {
      throw this.error(
        "invalid-function",
        `${res.Type} has no attribute ${attribute} (it has ${fixed.join(", ")})`,
        path,
      );
    }
    throw new Unresolvable(
      `${id}.${attribute} (${res.Type}) is known only after the resource is created`,
    );
  }

  private sub(arg: unknown, path: Path, scope: Scope): string {
    let text: unknown = arg;
    let locals: Record<string, unknown> = {};
    if (Array.isArray(arg)) {
      const [t, vars] = this.args(arg, path, "Fn::Sub", 2);
      if (!isRecord(vars))
        throw this.error("invalid-function", "the Fn::Sub variables must be a mapping", [
          ...path,
          1,
        ]);
      text = t;
      locals = {};
      for (const [k, v] of Object.entries(vars)) {
        locals[k] = this.text(v, [...path, 1, k], scope, `Fn::Sub variable ${k}`);
      }
    }
    const textPath = Array.isArray(arg) ? [...path, 0] : path;
    if (typeof text !== "string")
      throw this.error("invalid-function", "Fn::Sub takes a string", textPath);
    const parts = parseSubString(text);
    if ("error" in parts) throw this.error("invalid-function", `Fn::Sub: ${parts.error}`, textPath);
    return parts
      .map((part) => {
        if ("literal" in part) return part.literal;
        const name = part.variable;
        if (Object.hasOwn(locals, name)) return locals[name] as string;
        if (
          name in this.pseudo ||
          this.params.has(name) ||
          name in this.t.Resources ||
          name.startsWith("AWS::")
        ) {
          const v = this.ref(name, textPath, scope);
          if (typeof v === "string") return v;
          throw this.error(
            "invalid-function",
            `\${${name}} in Fn::Sub is a list; use Fn::Join on it`,
            textPath,
          );
        }
        const dot = name.indexOf(".");
        if (dot > 0 && name.slice(0, dot) in this.t.Resources) {
          return this.attribute(name.slice(0, dot), name.slice(dot + 1), textPath, scope);
        }
        const guess = nearest(name, [
          ...Object.keys(locals),
          ...this.params.keys(),
          ...Object.keys(this.t.Resources),
          ...Object.keys(this.pseudo),
        ]);
        throw this.error(
          "unknown-reference",
          `\${${name}} in Fn::Sub is not a variable, parameter, resource or pseudo parameter${guess ? `; did you mean ${guess}?` : ""}`,
          textPath,
          { hint: "Write ${!Name} for a literal ${Name}." },
        );
      })
      .join("");
  }

  private findInMap(arg: unknown, path: Path, scope: Scope): unknown {
    const items = this.args(arg, path, "Fn::FindInMap", 3, 4);
    const mapName = this.text(items[0], [...path, 0], scope, "the map name");
    const top = this.text(items[1], [...path, 1], scope, "the top-level key");
    const second = this.text(items[2], [...path, 2], scope, "the second-level key");
    const fallback = items[3];
    const map = this.t.Mappings?.[mapName];
    const found =
      map && Object.hasOwn(map, top) && isRecord(map[top]) && Object.hasOwn(map[top], second)
        ? map[top]![second]
        : undefined;
    if (found !== undefined)
      return this.value(found, ["Mappings", mapName, top, second], this.strictScope(scope));
    if (isRecord(fallback) && "DefaultValue" in fallback) {
      return this.value(
        fallback.DefaultValue,
        [...path, 3, "DefaultValue"],
        this.strictScope(scope),
      );
    }
    const what = !map
      ? `no mapping ${mapName}`
      : !Object.hasOwn(map, top)
        ? `mapping ${mapName} has no key ${top}`
        : `mapping ${mapName}.${top} has no key ${second}`;
    throw this.error("unknown-reference", `Fn::FindInMap: ${what}`, path);
  }

  private error(
    reason: TemplateErrorReason,
    message: string,
    path: Path,
    details: { hint?: string } = {},
  ): TemplateError {
    return new TemplateError(
      reason,
      message,
      { locations: this.parsed.locations, sourceName: this.parsed.sourceName, path },
      details,
    );
  }
}

function describe(v: unknown): string {
  if (v === NO_VALUE) return "AWS::NoValue";
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "a mapping";
  return JSON.stringify(v);
}

function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) =>
    typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
  return norm(a) === norm(b);
}
