import { BbOidcError, type ErrorCode, InputError, PolicyError } from "../errors.js";
import { redactSecrets } from "./redact.js";
import { mapStackFrames } from "./stack-map.js";

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

/** Errors that mean "what you gave me is unusable" rather than "the check failed". */
const USAGE_CODES = new Set<ErrorCode>(["ERR_USAGE", "ERR_TOKEN_MALFORMED", "ERR_TOKEN_TOO_LARGE"]);

/**
 * Prints an error for a person and returns the exit code. User mistakes get one paragraph and
 * no stack trace; `--debug` adds the stack's frames once, mapped to the source (stack-map.ts).
 * Secrets are redacted in every case.
 */
export function reportError(err: unknown, debug: boolean): number {
  if (err instanceof BbOidcError) {
    const lines = [`bb-oidc: ${err.message}`];
    if (err.hint) lines.push(`  → ${err.hint}`);
    if (debug) lines.push(...debugFrames(err));
    process.stderr.write(`${redactSecrets(lines.join("\n"))}\n`);
    return err instanceof InputError || err instanceof PolicyError || USAGE_CODES.has(err.code)
      ? EXIT.usage
      : EXIT.failed;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const lines = debug
    ? [`bb-oidc: ${e.name}: ${e.message}`, ...debugFrames(e)]
    : [`bb-oidc: ${e.message}`, "  (an unexpected error; run again with --debug for details)"];
  process.stderr.write(`${redactSecrets(lines.join("\n"))}\n`);
  return EXIT.internal;
}

/** The stack's frames (its first lines repeat the message, printed already), and its causes'. */
function debugFrames(err: Error): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause) {
    const frames = (e.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
    if (depth > 0) out.push(`  caused by ${e.name}: ${e.message}`);
    out.push(...mapStackFrames(frames));
  }
  return out;
}
