// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not JavaScript templates.
/**
 * Resolves a template the way CloudFormation would for one stack: parameters, pseudo parameters,
 * conditions, mappings and intrinsic functions, giving each resource's final properties. It runs
 * offline, so what only AWS knows (attributes of arbitrary resources, exports, macros) comes from
 * injected callbacks; a value that cannot be known is left in its unresolved long form and listed
 * in `unresolved`, rather than guessed.
 */
import { InputError } from "../../errors.js";
import { firstDuplicateKey } from "../../policy/duplicate-keys.js";
import { nearest } from "../../policy/suggest.js";
import { dependencyGraph, topologicalOrder } from "./dependencies.js";
import {
  describe,
  type Evaluator,
  intrinsicKey,
  isRecord,
  NO_VALUE,
  PROPERTY_SCOPE,
  type Scope,
  strictScope,
  Unresolvable,
} from "./evaluation.js";
import { iamIdentity, type ResourceIdentity } from "./iam-attributes.js";
import { CONDITION_FUNCTIONS, evaluateIntrinsic } from "./intrinsics.js";
import { type ParameterValue, resolveParameters } from "./parameters.js";
import { pseudoParameters } from "./pseudo-parameters.js";
import { asParsedTemplate, type ParsedTemplate } from "./read-template.js";
import type {
  ResolvedOutput,
  ResolvedResource,
  ResolvedTemplate,
  ResolveOptions,
  UnresolvedValue,
} from "./resolve-types.js";
import { formatPath, type Path } from "./source-locations.js";
import { TemplateError, type TemplateErrorReason } from "./template-error.js";
import type { CfnTemplate } from "./types.js";

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

export function resolveTemplate(
  template: ParsedTemplate | CfnTemplate,
  options: ResolveOptions,
): ResolvedTemplate {
  return new Resolver(asParsedTemplate(template), options).run();
}

class Resolver implements Evaluator {
  readonly template: CfnTemplate;
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
    readonly options: ResolveOptions,
  ) {
    this.template = parsed.template;
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
    this.pseudo = pseudoParameters(options, this.partition);
    this.params = resolveParameters(parsed, options.parameters ?? {});
  }

  run(): ResolvedTemplate {
    const conditions: Record<string, boolean> = {};
    for (const name of Object.keys(this.template.Conditions ?? {})) {
      conditions[name] = this.condition(name, ["Conditions", name]);
    }
    const skipped: string[] = [];
    for (const [id, res] of Object.entries(this.template.Resources)) {
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
    for (const [name, out] of Object.entries(this.template.Outputs ?? {})) {
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
      ...(typeof this.template.Description === "string"
        ? { description: this.template.Description }
        : {}),
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
    const res = this.template.Resources[id]!;
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
    // JSON.parse keeps the last of a repeated key; IAM refuses the document (src/policy).
    const duplicate = firstDuplicateKey(v);
    if (duplicate) {
      throw this.error(
        "structure",
        `${k} names "${duplicate.key}" twice in one object (at ${duplicate.path}); IAM refuses such a policy (MalformedPolicyDocument) rather than keep one`,
        [...base, k],
      );
    }
  }

  // ---- conditions ------------------------------------------------------------------------

  condition(name: string, usedAt: Path): boolean {
    const known = this.conditionValues.get(name);
    if (known !== undefined) return known;
    const conditions = this.template.Conditions ?? {};
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

  booleanOf(v: unknown, path: Path): boolean {
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

  value(v: unknown, path: Path, scope: Scope): unknown {
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

  /** An intrinsic's argument that must come out as one string (numbers are written as text). */
  text(v: unknown, path: Path, scope: Scope, what: string): string {
    const r = this.value(v, path, strictScope(scope));
    if (typeof r === "string") return r;
    if (typeof r === "number" || typeof r === "boolean") return String(r);
    throw this.error("invalid-function", `${what} must be a string, got ${describe(r)}`, path);
  }

  list(v: unknown, path: Path, scope: Scope, what: string): unknown[] {
    const r = this.value(v, path, strictScope(scope));
    if (Array.isArray(r)) return r;
    throw this.error("invalid-function", `${what} must be a list, got ${describe(r)}`, path);
  }

  args(arg: unknown, path: Path, fn: string, min: number, max = min): unknown[] {
    if (!Array.isArray(arg) || arg.length < min || arg.length > max) {
      const n = min === max ? `${min}` : `${min} to ${max}`;
      throw this.error("invalid-function", `${fn} takes a list of ${n} arguments`, path);
    }
    return arg;
  }

  private fn(key: string, arg: unknown, path: Path, scope: Scope): unknown {
    return evaluateIntrinsic(this, key, arg, path, scope);
  }

  ref(name: string, path: Path, scope: Scope): unknown {
    if (name === "AWS::NoValue") return NO_VALUE;
    if (name in this.pseudo) return this.pseudo[name];
    const param = this.params.get(name);
    if (param) return param.value;
    if (name in this.template.Resources) return this.resourceRef(name, path, scope);
    if (name.startsWith("AWS::")) {
      throw this.error("unknown-reference", `${name} is not a pseudo parameter`, path);
    }
    const guess = nearest(name, this.referenceNames());
    throw this.error(
      "unknown-reference",
      `Ref to ${JSON.stringify(name)}, which is neither a parameter nor a resource${guess ? `; did you mean ${guess}?` : ""}`,
      path,
    );
  }

  isReferenceName(name: string): boolean {
    return (
      name in this.pseudo ||
      this.params.has(name) ||
      name in this.template.Resources ||
      name.startsWith("AWS::")
    );
  }

  referenceNames(): string[] {
    return [
      ...this.params.keys(),
      ...Object.keys(this.template.Resources),
      ...Object.keys(this.pseudo),
    ];
  }

  private usable(id: string, path: Path, scope: Scope): void {
    if (scope.inCondition) {
      throw this.error("invalid-function", `conditions cannot refer to resources (${id})`, path);
    }
    if (!this.created.has(id)) {
      const cond = this.template.Resources[id]!.Condition;
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
      `the physical ID of ${id} (${this.template.Resources[id]!.Type}) is known only after it is created`,
    );
  }

  attribute(id: string, attribute: string, path: Path, scope: Scope): string {
    const res = this.template.Resources[id];
    if (!res) {
      const guess = nearest(id, Object.keys(this.template.Resources));
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

  error(
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
