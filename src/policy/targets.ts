/**
 * Action and Resource patterns. Actions are case-insensitive (`STS:assumerolewithwebidentity`
 * is the same action); resources are ARNs, matched case-sensitively and segment-wise, with
 * policy variables in Version 2012-10-17.
 */
import { PolicyError } from "../errors.js";
import { compileArnPattern } from "./arn.js";
import { describeType } from "./conditions.js";
import type { ContextView } from "./context.js";
import { compileGlob, type GlobPart, parseGlob, type StringMatcher } from "./glob.js";
import { IAM_POLICY_TEXTS } from "./iam-texts.js";
import { childPath } from "./json-path.js";
import { parseTemplate, resolveTemplate, type Template } from "./variables.js";

/** Reads a string-or-list element (Action, Resource), with paths for each entry. */
export function readStringList(
  raw: unknown,
  path: string,
  what: string,
): { text: string; path: string }[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (Array.isArray(raw) && raw.length === 0) {
    throw new PolicyError(`${what} must not be an empty list`, path);
  }
  return list.map((v, i) => {
    const p = Array.isArray(raw) ? childPath(path, i) : path;
    if (typeof v !== "string") {
      throw new PolicyError(
        `${what} must be a string or a list of strings, not ${describeType(v)}`,
        p,
      );
    }
    return { text: v, path: p };
  });
}

const ACTION = /^[A-Za-z0-9*?-]+:[A-Za-z0-9*?_.-]+$/;

export interface CompiledActions {
  exact: Set<string>;
  patterns: StringMatcher[];
  listed: string[];
}

export function compileActions(raw: unknown, path: string, element: string): CompiledActions {
  const out: CompiledActions = { exact: new Set(), patterns: [], listed: [] };
  for (const { text, path: p } of readStringList(raw, path, element)) {
    if (text !== "*" && !ACTION.test(text)) {
      throw new PolicyError(
        `${element} ${JSON.stringify(text)} must be "*" or "<service>:<action>", e.g. "sts:AssumeRoleWithWebIdentity" (wildcards * and ? allowed)`,
        p,
        {
          awsMessage:
            text.split(":").length > 2
              ? IAM_POLICY_TEXTS.actionColons
              : IAM_POLICY_TEXTS.actionWithoutVendor,
        },
      );
    }
    out.listed.push(text);
    const lower = text.toLowerCase();
    const parts = parseGlob(lower);
    if (parts.length === 1 && typeof parts[0] === "string") out.exact.add(lower);
    else out.patterns.push(compileGlob(parts));
  }
  return out;
}

/** The actions a role trust policy may name (docs/aws-behaviour.md, "IAM policies"). */
export const TRUST_POLICY_ACTIONS = [
  "sts:AssumeRole",
  "sts:AssumeRoleWithSAML",
  "sts:AssumeRoleWithWebIdentity",
  "sts:TagSession",
  "sts:SetSourceIdentity",
  "sts:SetContext",
] as const;
const TRUST_ACTIONS_LOWER = TRUST_POLICY_ACTIONS.map((a) => a.toLowerCase());

/**
 * IAM refuses a trust policy whose Action names anything but STS's assume actions: every entry
 * must cover at least one of them (`*`, `sts:*`, `sts:AssumeRole*` do). NotAction is not checked.
 */
export function checkTrustActions(raw: unknown, path: string): void {
  for (const { text, path: p } of readStringList(raw, path, "Action")) {
    const m = compileGlob(parseGlob(text.toLowerCase()));
    if (!TRUST_ACTIONS_LOWER.some((a) => m(a))) {
      throw new PolicyError(
        `a role trust policy may only name STS's assume actions (${TRUST_POLICY_ACTIONS.join(", ")}), not ${JSON.stringify(text)}; permissions belong in the role's permission policies`,
        p,
        { awsMessage: IAM_POLICY_TEXTS.trustActions },
      );
    }
  }
}

/** `lowerAction` is the request's action already lowercased (once per evaluate). */
export function actionMatches(a: CompiledActions, lowerAction: string): boolean {
  if (a.exact.has(lowerAction)) return true;
  for (const m of a.patterns) if (m(lowerAction)) return true;
  return false;
}

export interface CompiledResources {
  matchers: StringMatcher[];
  dynamic: Template[];
  listed: string[];
}

export function compileResources(
  raw: unknown,
  path: string,
  element: string,
  variables: boolean,
): CompiledResources {
  const out: CompiledResources = { matchers: [], dynamic: [], listed: [] };
  for (const { text, path: p } of readStringList(raw, path, element)) {
    if (text !== "*" && !(text.startsWith("arn:") && text.split(":").length >= 6)) {
      throw new PolicyError(
        `${element} ${JSON.stringify(text)} must be "*" or an ARN "arn:<partition>:<service>:<region>:<account>:<resource>"`,
        p,
        { awsMessage: IAM_POLICY_TEXTS.resourceNotArn(text) },
      );
    }
    out.listed.push(text);
    const t = parseTemplate(text, variables, true);
    if (t.dynamic) out.dynamic.push(t);
    else out.matchers.push(compileArnPattern(t.parts as GlobPart[]));
  }
  return out;
}

/** A template whose variable has no value in the request matches nothing. */
export function resourceMatches(
  r: CompiledResources,
  resource: string,
  view: ContextView,
): boolean {
  for (const m of r.matchers) if (m(resource)) return true;
  for (const t of r.dynamic) {
    const resolved = resolveTemplate(t, (l) => view.variable(l));
    if (resolved.parts !== undefined && compileArnPattern(resolved.parts)(resource)) return true;
  }
  return false;
}
