import type { LintRule } from "../types.js";

/** Lint must work on a template nobody has filled in yet; what it had to assume, it says. */
export const parameterPlaceholder: LintRule = {
  id: "parameter-placeholder",
  severity: "note",
  description:
    "A template parameter has no Default and no --parameter value; it was linted with a placeholder.",
  help: "Pass --parameter Name=value for exact results (sizes, audiences, provider URLs).",
  check(ctx, report) {
    for (const info of ctx.templates) {
      for (const p of info.placeholders) {
        report({
          file: info.file,
          position: p.position,
          message: `parameter ${p.name} has no value; linted with the placeholder ${JSON.stringify(p.value)}, so checks of its content were skipped.`,
          fix: `Pass --parameter ${p.name}=<value>.`,
        });
      }
    }
  },
};

export const unresolvedValue: LintRule = {
  id: "unresolved-value",
  severity: "note",
  description:
    "A template value can only be known in AWS (an import, an attribute of another resource); checks that need it were skipped.",
  help: "Nothing to fix in the template; lint a template with the value written out to check it.",
  check(ctx, report) {
    for (const info of ctx.templates) {
      for (const u of info.unresolved) {
        report({
          file: info.file,
          position: u.position,
          message: `${u.path} cannot be resolved offline (${u.reason}); checks that need it were skipped.`,
          fix: "None needed; to check it, lint with the value written out.",
        });
      }
    }
  },
};
