import { redactSecrets } from "./redact.js";

/**
 * `--debug`'s extra lines on stderr (start-up, network routes). The root command turns it on
 * before any action runs (program.ts); everything printed is redacted like any other output.
 */
let enabled = false;

export function setDebug(on: boolean): void {
  enabled = on;
}

export function debugEnabled(): boolean {
  return enabled;
}

export function debugLine(text: string): void {
  if (enabled) process.stderr.write(`${redactSecrets(`bb-oidc: ${text}`)}\n`);
}
