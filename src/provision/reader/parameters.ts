/** Template parameters: provided values, defaults and the constraints CloudFormation checks. */
import { nearest } from "../../policy/suggest.js";
import type { ParsedTemplate } from "./read-template.js";
import type { Path } from "./source-locations.js";
import { TemplateError } from "./template-error.js";
import type { CfnParameter } from "./types.js";

export interface ParameterValue {
  /** Lists (CommaDelimitedList, List<…>) are arrays; everything else, numbers included, a string. */
  value: string | string[];
  type: string;
  noEcho: boolean;
  /** True when the Default was used. */
  defaulted: boolean;
}

export type ProvidedParameters = Readonly<
  Record<string, string | number | boolean | readonly string[]>
>;

const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function isListType(type: string): boolean {
  return type === "CommaDelimitedList" || type.startsWith("List<");
}

function scalarText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

export function resolveParameters(
  parsed: ParsedTemplate,
  provided: ProvidedParameters,
): Map<string, ParameterValue> {
  const declared = parsed.template.Parameters ?? {};
  const where = (path: Path, at: "key" | "value" = "value") => ({
    locations: parsed.locations,
    sourceName: parsed.sourceName,
    path,
    at,
  });
  for (const name of Object.keys(provided)) {
    if (!(name in declared)) {
      const guess = nearest(name, Object.keys(declared));
      throw new TemplateError(
        "invalid-parameter",
        `a value was given for parameter ${JSON.stringify(name)}, which the template does not declare${guess ? `; did you mean ${guess}?` : ""}`,
        where(["Parameters"], "key"),
      );
    }
  }
  const out = new Map<string, ParameterValue>();
  for (const [name, decl] of Object.entries(declared)) {
    const given = provided[name];
    const defaulted = given === undefined;
    if (defaulted && decl.Default === undefined) {
      throw new TemplateError(
        "missing-parameter",
        `parameter ${name} (${decl.Type}) has no Default and no value was given`,
        where(["Parameters", name], "key"),
        {
          hint: `Pass a value for ${name}, or give it a Default in the template.`,
          expected: decl.Type,
        },
      );
    }
    const raw = defaulted ? decl.Default : given;
    const value = normalize(
      name,
      decl,
      raw,
      where(["Parameters", name, ...(defaulted ? ["Default"] : [])]),
    );
    check(name, decl, value, where(["Parameters", name, ...(defaulted ? ["Default"] : [])]));
    out.set(name, {
      value,
      type: decl.Type,
      noEcho: decl.NoEcho === true || String(decl.NoEcho).toLowerCase() === "true",
      defaulted,
    });
  }
  return out;
}

type Where = ConstructorParameters<typeof TemplateError>[2];

function normalize(
  name: string,
  decl: CfnParameter,
  raw: unknown,
  where: Where,
): string | string[] {
  if (isListType(decl.Type)) {
    if (Array.isArray(raw)) return raw.map((v) => scalarText(v) ?? JSON.stringify(v));
    const text = scalarText(raw);
    if (text === undefined) throw invalid(name, decl, "must be a comma-separated list", where);
    // CloudFormation trims spaces around each member of a comma-delimited list.
    return text === "" ? [] : text.split(",").map((s) => s.trim());
  }
  const text = scalarText(raw);
  if (text === undefined) throw invalid(name, decl, "must be a single value", where);
  return text;
}

function check(name: string, decl: CfnParameter, value: string | string[], where: Where): void {
  const items = Array.isArray(value) ? value : [value];
  const numeric = decl.Type === "Number" || decl.Type === "List<Number>";
  for (const item of items) {
    if (numeric && !NUMBER.test(item)) throw invalid(name, decl, "must be a number", where);
    if (decl.AllowedValues !== undefined) {
      const allowed = decl.AllowedValues.map((v) => scalarText(v) ?? "");
      if (!allowed.includes(item)) {
        throw invalid(name, decl, `must be one of ${allowed.join(", ")}`, where);
      }
    }
  }
  if (typeof value !== "string") return;
  if (decl.AllowedPattern !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${decl.AllowedPattern})$`, "u");
    } catch {
      throw invalid(
        name,
        decl,
        `has an AllowedPattern that is not a valid regular expression`,
        where,
      );
    }
    if (!re.test(value)) throw invalid(name, decl, `must match ${decl.AllowedPattern}`, where);
  }
  const length = [...value].length;
  if (decl.MinLength !== undefined && length < Number(decl.MinLength)) {
    throw invalid(name, decl, `must be at least ${decl.MinLength} characters`, where);
  }
  if (decl.MaxLength !== undefined && length > Number(decl.MaxLength)) {
    throw invalid(name, decl, `must be at most ${decl.MaxLength} characters`, where);
  }
  if (numeric && decl.MinValue !== undefined && Number(value) < Number(decl.MinValue)) {
    throw invalid(name, decl, `must be at least ${decl.MinValue}`, where);
  }
  if (numeric && decl.MaxValue !== undefined && Number(value) > Number(decl.MaxValue)) {
    throw invalid(name, decl, `must be at most ${decl.MaxValue}`, where);
  }
}

// NoEcho values are never repeated in messages.
function invalid(name: string, decl: CfnParameter, rule: string, where: Where): TemplateError {
  const constraint = decl.ConstraintDescription ? ` (${decl.ConstraintDescription})` : "";
  return new TemplateError("invalid-parameter", `parameter ${name} ${rule}${constraint}`, where);
}
