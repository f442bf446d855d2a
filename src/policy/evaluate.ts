/**
 * Evaluation: explicit Deny wins; otherwise Allow if any Allow statement applies; otherwise
 * implicit deny. Every statement and condition is evaluated (no short-circuit) so the trace is
 * complete; the per-request work is one context view, one lowercase action, and plain objects.
 */
import type { CompiledCondition } from "./conditions.js";
import { ContextView } from "./context.js";
import { type CompiledPrincipal, describeRequestPrincipal, principalMatches } from "./principal.js";
import { quoteList } from "./reasons.js";
import {
  actionMatches,
  type CompiledActions,
  type CompiledResources,
  resourceMatches,
} from "./targets.js";
import type {
  AuthzRequest,
  CompiledPolicy,
  ConditionTrace,
  Decision,
  EvaluationResult,
  PolicyKind,
  StatementTrace,
} from "./types.js";

export class CompiledStatement {
  constructor(
    readonly index: number,
    readonly sid: string | undefined,
    readonly effect: "Allow" | "Deny",
    readonly principal: CompiledPrincipal | undefined,
    readonly notPrincipal: boolean,
    readonly actions: CompiledActions,
    readonly notAction: boolean,
    readonly resources: CompiledResources | undefined,
    readonly notResource: boolean,
    readonly conditions: readonly CompiledCondition[],
  ) {}

  evaluate(
    request: AuthzRequest,
    lowerAction: string,
    resource: string,
    view: ContextView,
  ): StatementTrace {
    const principalMatched =
      this.principal === undefined ||
      principalMatches(this.principal, request.principal) !== this.notPrincipal;
    const actionMatched = actionMatches(this.actions, lowerAction) !== this.notAction;
    const resourceMatched =
      this.resources === undefined ||
      resourceMatches(this.resources, resource, view) !== this.notResource;
    const conditions: ConditionTrace[] = new Array(this.conditions.length);
    let allConditions = true;
    for (let i = 0; i < this.conditions.length; i++) {
      const c = this.conditions[i]!.evaluate(view);
      conditions[i] = c;
      if (!c.matched) allConditions = false;
    }
    const trace: StatementTrace = {
      index: this.index,
      sid: this.sid,
      effect: this.effect,
      principalMatched,
      actionMatched,
      resourceMatched,
      conditions,
      applies: principalMatched && actionMatched && resourceMatched && allConditions,
      reason: undefined,
    };
    if (!principalMatched) trace.reason = this.principalReason(request);
    else if (!actionMatched) trace.reason = this.actionReason(request.action);
    else if (!resourceMatched) trace.reason = this.resourceReason(resource);
    return trace;
  }

  private principalReason(request: AuthzRequest): string {
    const who = describeRequestPrincipal(request.principal);
    const listed = this.principal!.listed.join(", ");
    return this.notPrincipal
      ? `NotPrincipal excludes ${listed}, and the request comes from ${who}`
      : `principal wanted ${listed}, the request comes from ${who}`;
  }

  private actionReason(action: unknown): string {
    const listed = quoteList(this.actions.listed);
    return this.notAction
      ? `NotAction excludes ${listed}, which covers ${JSON.stringify(action)}`
      : `action wanted ${listed}, the request is for ${JSON.stringify(action)}`;
  }

  private resourceReason(resource: string): string {
    const listed = quoteList(this.resources!.listed);
    return this.notResource
      ? `NotResource excludes ${listed}, which covers ${JSON.stringify(resource)}`
      : `resource wanted ${listed}, the request is for ${JSON.stringify(resource)}`;
  }
}

const EMPTY_CONTEXT = Object.freeze({});

let lastAction = "";
let lastLowerAction = "";
/**
 * The action lowercased, the last answer kept: a server asks about one or two actions, and one
 * lowercased string object keeps its hash for the action-set lookups that follow.
 */
function lowerCaseAction(action: string): string {
  if (action !== lastAction) {
    lastAction = action;
    lastLowerAction = action.toLowerCase();
  }
  return lastLowerAction;
}

export class Policy implements CompiledPolicy {
  constructor(
    readonly kind: PolicyKind,
    readonly document: unknown,
    readonly size: number,
    private readonly statements: readonly CompiledStatement[],
  ) {}

  evaluate(request: AuthzRequest): EvaluationResult {
    // Callers are typed, but the evaluator must never throw on odd input (it serves an emulator
    // and a linter fed with arbitrary data): anything unusable reads as absent.
    const req: AuthzRequest =
      typeof request === "object" && request !== null ? request : { action: "", context: {} };
    const action = typeof req.action === "string" ? req.action : "";
    // Assumption: a request without a resource (trust policies have none) is a request for "*".
    const resource = typeof req.resource === "string" ? req.resource : "*";
    const context =
      typeof req.context === "object" && req.context !== null ? req.context : EMPTY_CONTEXT;
    const view = new ContextView(context);
    const lowerAction = lowerCaseAction(action);
    const traces: StatementTrace[] = new Array(this.statements.length);
    let allow = false;
    let deny = false;
    for (let i = 0; i < this.statements.length; i++) {
      const s = this.statements[i]!;
      const t = s.evaluate(req, lowerAction, resource, view);
      traces[i] = t;
      if (t.applies) {
        if (s.effect === "Deny") deny = true;
        else allow = true;
      }
    }
    const decision: Decision = deny ? "explicitDeny" : allow ? "allow" : "implicitDeny";
    return {
      decision,
      allowed: decision === "allow",
      statements: traces,
      action,
      resource: typeof req.resource === "string" ? req.resource : undefined,
    };
  }
}
