import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** `~/.aws/credentials` and `~/.aws/config`, honouring the AWS CLI's file-location variables. */
export function awsFilePaths(env: NodeJS.ProcessEnv): { credentials: string; config: string } {
  const home = env.HOME || homedir();
  return {
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials"),
    config: env.AWS_CONFIG_FILE || join(home, ".aws", "config"),
  };
}

/**
 * Keys by which a profile gets credentials, in either file. The SDKs try them in different
 * orders: the JS SDK v3 takes static keys before a web identity, botocore a web identity before
 * static keys, both take `source_profile`/`credential_source` first
 * (docs/aws-behaviour.md "SDK credential resolution"). A profile bb-oidc writes keeps only its own.
 */
export const CREDENTIAL_KEYS = [
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "aws_security_token",
  "role_arn",
  "web_identity_token_file",
  "role_session_name",
  "source_profile",
  "credential_source",
  "credential_process",
  "sso_session",
  "sso_start_url",
  "sso_region",
  "sso_account_id",
  "sso_role_name",
  "login_session",
] as const;

/** A section header's name, spaces normalised (`[ profile  ci ]` is `profile ci`). */
function headerName(line: string): string | undefined {
  return /^\s*\[([^\]]+)\]\s*$/
    .exec(line.replace(/\r?\n$/, ""))?.[1]
    ?.trim()
    .replace(/\s+/g, " ");
}

/** The headers that name a profile: in the config file `[profile P]` (`[default]` for default). */
export function sectionNames(file: "config" | "credentials", profile: string): string[] {
  if (file === "credentials") return [profile];
  return profile === "default" ? ["default", "profile default"] : [`profile ${profile}`];
}

/**
 * Edits the sections called any of `names`: in every one, keys in `remove` go; in the first one
 * (created at the end when there is none), keys in `set` are set. Every other byte of the text
 * (other sections, comments, line endings, blank lines) stays as it was. A section left with
 * nothing at all is removed; `set` empty and no section means no change.
 */
export function editIniSections(
  text: string,
  names: readonly string[],
  set: Readonly<Record<string, string>>,
  remove: readonly string[] = [],
): string {
  const lines = text.length ? text.split(/(?<=\n)/) : [];
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const out: string[] = [];
  let inTarget = false;
  let first = true;
  let pendingSet = new Map(Object.entries(set));
  let section: string[] = [];
  const keyOf = (l: string) => /^\s*([^=#;\s[][^=]*?)\s*=/.exec(l)?.[1]?.toLowerCase();
  const flush = () => {
    if (!inTarget) return;
    const [header, ...body] = section;
    let kept = body.filter((l) => {
      const k = keyOf(l);
      return k === undefined || !(remove.includes(k) || (first && pendingSet.has(k)));
    });
    if (first) {
      // New values go where the section's last key was, before trailing blank lines.
      let at = kept.length;
      while (at > 0 && kept[at - 1]!.trim() === "") at--;
      if (at > 0 && !kept[at - 1]!.endsWith("\n")) kept[at - 1] += eol;
      const added = [...pendingSet].map(([k, v]) => `${k} = ${v}${eol}`);
      kept = [...kept.slice(0, at), ...added, ...kept.slice(at)];
      pendingSet = new Map();
      first = false;
    }
    if (kept.some((l) => l.trim() !== "")) out.push(header!, ...kept);
    section = [];
  };
  for (const line of lines) {
    const name = headerName(line);
    if (name !== undefined) {
      flush();
      inTarget = names.includes(name);
    }
    if (inTarget) section.push(line);
    else out.push(line);
  }
  flush();
  if (pendingSet.size) {
    if (out.length && !out[out.length - 1]!.endsWith("\n")) out.push(eol);
    if (out.length && out[out.length - 1]!.trim() !== "") out.push(eol);
    out.push(`[${names[0]}]${eol}`, ...[...pendingSet].map(([k, v]) => `${k} = ${v}${eol}`));
  }
  return out.join("");
}

/** Sets the keys of one INI section, keeping every other byte. (One section, nothing removed.) */
export function upsertIniSection(
  text: string,
  section: string,
  values: Record<string, string>,
): string {
  return editIniSections(text, [section], values);
}

/** Writes a file atomically with mode 0600: a crash leaves the old file or the new one. */
export function writePrivateFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function readIfExists(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw err;
  }
}

/**
 * Makes `profile` in one shared file hold exactly `set` among the credential keys: every other
 * credential key of it goes (in every section naming it), other keys (region, output…) and
 * every other profile stay byte for byte. The file is written atomically, 0600, only if changed.
 * Returns the credential keys removed.
 */
export function writeProfile(
  path: string,
  file: "config" | "credentials",
  profile: string,
  set: Readonly<Record<string, string>>,
): string[] {
  const before = readIfExists(path);
  const remove = CREDENTIAL_KEYS.filter((k) => !(k in set));
  const removed = remove.filter((k) =>
    sectionKeys(before, sectionNames(file, profile)).includes(k),
  );
  const after = editIniSections(before, sectionNames(file, profile), set, remove);
  if (after !== before) writePrivateFileAtomic(path, after);
  return removed;
}

/** The keys (lower-case) present in the sections called any of `names`. */
export function sectionKeys(text: string, names: readonly string[]): string[] {
  const keys: string[] = [];
  let inTarget = false;
  for (const line of text.split(/(?<=\n)/)) {
    const name = headerName(line);
    if (name !== undefined) inTarget = names.includes(name);
    else if (inTarget) {
      const k = /^\s*([^=#;\s[][^=]*?)\s*=/.exec(line)?.[1]?.toLowerCase();
      if (k) keys.push(k);
    }
  }
  return keys;
}
