/**
 * What deploy, status and destroy print: text for people (progress to stderr in JSON mode), or
 * one JSON document on stdout — results and errors alike when JSON was asked for.
 */
import { BbOidcError, InputError, PolicyError } from "../../errors.js";
import { redactSecrets } from "../redact.js";
import { EXIT } from "../report-error.js";

export type OutputFormat = "text" | "json";

export function outputFormat(value: string | undefined): OutputFormat {
  const f = value ?? "text";
  if (f !== "text" && f !== "json")
    throw new InputError(`--format: expected text or json, got ${JSON.stringify(value)}`);
  return f;
}

/** Where human lines go: stdout for text, stderr when stdout carries JSON. */
export function humanStream(format: OutputFormat): NodeJS.WriteStream {
  return format === "json" ? process.stderr : process.stdout;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${redactSecrets(JSON.stringify(value, null, 2))}\n`);
}

/**
 * Runs a command body; with --format json an error becomes `{ "error": … }` on stdout and its
 * exit code (2 for unusable input, 1 otherwise), instead of the usual one paragraph on stderr.
 */
export async function withJsonErrors(
  format: OutputFormat,
  body: () => Promise<number>,
): Promise<number> {
  if (format !== "json") return body();
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof BbOidcError)) throw err;
    printJson({
      error: {
        code: err.code,
        message: err.message,
        ...(err.hint ? { hint: err.hint } : {}),
        ...(err.actual !== undefined ? { actual: err.actual } : {}),
      },
    });
    return err instanceof InputError || err instanceof PolicyError || err.code === "ERR_USAGE"
      ? EXIT.usage
      : EXIT.failed;
  }
}
