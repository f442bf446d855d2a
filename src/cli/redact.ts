/**
 * Last line of defence against leaking secrets into logs: JWTs, AWS secret keys after a known
 * label, and session tokens. Commands still avoid putting secrets into messages at all.
 */
const JWT = /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;
const LABELLED =
  /((?:SecretAccessKey|secretAccessKey|aws_secret_access_key|AWS_SECRET_ACCESS_KEY|SessionToken|sessionToken|aws_session_token|AWS_SESSION_TOKEN|X-Amz-Security-Token)["'=:\s>]+)[A-Za-z0-9/+=]{16,}/g;

const registered = new Set<string>();

/** Registers a secret value seen at run time so that it is redacted wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 8) registered.add(value);
}

export function redactSecrets(text: string): string {
  let out = text.replace(JWT, "<redacted token>").replace(LABELLED, "$1<redacted>");
  for (const s of registered) out = out.split(s).join("<redacted>");
  return out;
}
