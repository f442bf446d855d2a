/**
 * Offline stand-ins for what only a deployment knows: the account, the region, and parameters
 * nobody has given a value yet. Lint and who-can resolve templates with these.
 */
import type { ParsedTemplate } from "./read-template.js";
import type { Position } from "./source-locations.js";
import type { CfnParameter } from "./types.js";

/** Stands in for the account a template is deployed to: every account ID has 12 digits. */
export const PLACEHOLDER_ACCOUNT = "123456789012";
export const PLACEHOLDER_REGION = "us-east-1";
const PLACEHOLDER = /<param:[A-Za-z0-9]+>/;

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value);
}

export interface Placeholder {
  name: string;
  value: string;
  position?: Position;
}

/** A value the declaration accepts, so resolution can go on without the real one. */
function placeholderFor(name: string, decl: CfnParameter): string {
  if (Array.isArray(decl.AllowedValues) && decl.AllowedValues.length > 0)
    return String(decl.AllowedValues[0]);
  if (decl.Type === "Number" || decl.Type === "List<Number>") return String(decl.MinValue ?? 0);
  return `<param:${name}>`;
}

/**
 * The parameter values to resolve with: those given, and a placeholder for each parameter that
 * has neither a value nor a Default (listed, so callers can say so).
 */
export function fillParameters(
  parsed: ParsedTemplate,
  given: Readonly<Record<string, string>>,
): { parameters: Record<string, string>; placeholders: Placeholder[] } {
  const declared = parsed.template.Parameters ?? {};
  const parameters: Record<string, string> = { ...given };
  const placeholders: Placeholder[] = [];
  for (const [name, decl] of Object.entries(declared)) {
    if (name in parameters || decl.Default !== undefined) continue;
    const value = placeholderFor(name, decl);
    parameters[name] = value;
    const position = parsed.locations.keyAt(["Parameters", name]);
    placeholders.push({ name, value, ...(position ? { position } : {}) });
  }
  return { parameters, placeholders };
}
