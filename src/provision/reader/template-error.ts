import { InputError } from "../../errors.js";
import { formatPath, type Path, type SourceLocations } from "./source-locations.js";

/** Stable reasons, so callers and tests branch on them rather than on message text. */
export type TemplateErrorReason =
  | "syntax"
  | "unknown-tag"
  | "tag-form"
  | "structure"
  | "missing-parameter"
  | "invalid-parameter"
  | "unknown-reference"
  | "circular-reference"
  | "invalid-function"
  | "not-created";

/**
 * A template problem at a known place. The message starts with `file:line:column` and the path
 * (`Resources.Role.Properties.RoleName`), as compilers print them.
 */
export class TemplateError extends InputError {
  readonly reason: TemplateErrorReason;
  readonly sourceName: string;
  readonly line?: number;
  readonly column?: number;
  readonly path: string;

  constructor(
    reason: TemplateErrorReason,
    message: string,
    where: { locations?: SourceLocations; sourceName: string; path: Path; at?: "key" | "value" },
    details: { hint?: string; expected?: unknown; actual?: unknown } = {},
  ) {
    const pos =
      where.at === "key"
        ? where.locations?.keyAt(where.path)
        : where.locations?.valueAt(where.path);
    const prefix = pos ? `${where.sourceName}:${pos.line}:${pos.column}` : where.sourceName;
    const path = formatPath(where.path);
    super(`${prefix}: ${path}: ${message}`, details);
    this.reason = reason;
    this.sourceName = where.sourceName;
    if (pos) {
      this.line = pos.line;
      this.column = pos.column;
    }
    this.path = path;
  }
}
