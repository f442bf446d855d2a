/**
 * Templates go through the project's one template reader (src/provision/reader): the emulator
 * parses, resolves and orders exactly as `bb-oidc lint`/`template` do, and only translates the
 * reader's errors into CloudFormation's ValidationError wording.
 */
import { InputError } from "../../../errors.js";
import {
  type ParsedTemplate,
  type ResolvedTemplate,
  readTemplate,
  resolveTemplate,
  TemplateError,
} from "../../../provision/reader/index.js";
import type { AwsError } from "../errors.js";
import { validationError } from "./errors.js";
import type { StackParameterRecord } from "./records.js";

export function parseTemplateBody(body: string): ParsedTemplate {
  if (body.trim() === "") throw validationError("Template format error: the template is empty");
  try {
    return readTemplate(body, "template");
  } catch (err) {
    throw templateFailure(err);
  }
}

export interface PrepareOptions {
  account: string;
  region: string;
  stackName: string;
  stackId: string;
  /** Explicit parameter values (lists comma-joined, as the API carries them). */
  given: Record<string, string>;
  exports: Record<string, string>;
}

export interface PreparedTemplate {
  parsed: ParsedTemplate;
  resolved: ResolvedTemplate;
  /** Every declared parameter with its effective value (given or default), unmasked. */
  parameters: StackParameterRecord[];
  requiredCapabilities: string[];
}

export function prepareTemplate(parsed: ParsedTemplate, options: PrepareOptions): PreparedTemplate {
  let resolved: ResolvedTemplate;
  try {
    resolved = resolveTemplate(parsed, {
      accountId: options.account,
      region: options.region,
      stackName: options.stackName,
      stackId: options.stackId,
      parameters: options.given,
      exports: options.exports,
    });
  } catch (err) {
    throw templateFailure(err);
  }
  const declared = parsed.template.Parameters ?? {};
  const parameters: StackParameterRecord[] = Object.entries(resolved.parameters).map(([key, p]) => {
    const given = options.given[key];
    const raw = given ?? scalarText(declared[key]?.Default);
    return { key, value: raw, noEcho: p.noEcho };
  });
  return {
    parsed,
    resolved,
    parameters,
    requiredCapabilities: requiredCapabilities(resolved.order.map((id) => resolved.resources[id]!))
      .required,
  };
}

function scalarText(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => String(x)).join(",");
  if (v === undefined || v === null) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** IAM resource types and the property that makes them custom-named (CAPABILITY_NAMED_IAM). */
const IAM_CAPABILITY_TYPES: Record<string, string | null> = {
  "AWS::IAM::Role": "RoleName",
  "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
  "AWS::IAM::Policy": null,
  "AWS::IAM::User": "UserName",
  "AWS::IAM::Group": "GroupName",
  "AWS::IAM::InstanceProfile": "InstanceProfileName",
  "AWS::IAM::AccessKey": null,
  "AWS::IAM::UserToGroupAddition": null,
};

/**
 * The capabilities a set of resources needs, as CloudFormation's documentation lists them: an IAM
 * resource needs CAPABILITY_IAM, a custom-named one CAPABILITY_NAMED_IAM (which implies the first).
 * AWS::IAM::OIDCProvider is not on that list.
 */
export function requiredCapabilities(
  resources: Array<{ type: string; properties?: Record<string, unknown> }>,
): { required: string[]; reasonTypes: string[] } {
  let named = false;
  const types = new Set<string>();
  for (const r of resources) {
    if (!(r.type in IAM_CAPABILITY_TYPES)) continue;
    types.add(r.type);
    const nameProp = IAM_CAPABILITY_TYPES[r.type];
    if (nameProp && r.properties?.[nameProp] !== undefined) named = true;
  }
  if (types.size === 0) return { required: [], reasonTypes: [] };
  return {
    required: [named ? "CAPABILITY_NAMED_IAM" : "CAPABILITY_IAM"],
    reasonTypes: [...types],
  };
}

/** Whether the given capabilities cover what is required (NAMED_IAM covers IAM). */
export function missingCapabilities(required: string[], given: string[]): string[] {
  return required.filter(
    (c) =>
      !given.includes(c) && !(c === "CAPABILITY_IAM" && given.includes("CAPABILITY_NAMED_IAM")),
  );
}

function templateFailure(err: unknown): AwsError {
  if (err instanceof TemplateError) {
    const message = withoutSource(err);
    switch (err.reason) {
      case "missing-parameter":
        return validationError(
          `Parameters: [${err.path.replace(/^Parameters\./, "")}] must have values`,
        );
      case "invalid-parameter":
        return validationError(`Parameter validation failed: ${message}`);
      case "unknown-reference":
      case "circular-reference":
      case "invalid-function":
      case "not-created":
        return validationError(`Template error: ${message}`);
      default:
        return validationError(`Template format error: ${message}`);
    }
  }
  if (err instanceof InputError) return validationError(err.message);
  throw err;
}

/** The reader prefixes `template:line:col`; CloudFormation speaks of lines and columns. */
function withoutSource(err: TemplateError): string {
  const prefix = `${err.sourceName}${err.line !== undefined ? `:${err.line}:${err.column}` : ""}: `;
  const rest = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  return err.line !== undefined ? `${rest} (line ${err.line}, column ${err.column})` : rest;
}
