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
 * Sets the keys of one INI section, keeping every other section, key and comment as it was.
 * Keys given as `undefined` are removed from the section.
 */
export function upsertIniSection(
  text: string,
  section: string,
  values: Record<string, string | undefined>,
): string {
  const lines = text.length ? text.replace(/\r\n/g, "\n").split("\n") : [];
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  const header = (l: string) => /^\s*\[([^\]]+)\]\s*$/.exec(l)?.[1]?.trim();
  let start = lines.findIndex((l) => header(l) === section);
  if (start === -1) {
    if (lines.length) lines.push("");
    lines.push(`[${section}]`);
    start = lines.length - 1;
  }
  let end = start + 1;
  while (end < lines.length && header(lines[end]!) === undefined) end++;
  const body = lines.slice(start + 1, end);
  const pending = new Map(Object.entries(values));
  const kept: string[] = [];
  for (const l of body) {
    const key = /^\s*([^=#;\s][^=]*?)\s*=/.exec(l)?.[1];
    if (key !== undefined && pending.has(key)) {
      const v = pending.get(key);
      pending.delete(key);
      if (v !== undefined) kept.push(`${key} = ${v}`);
    } else {
      kept.push(l);
    }
  }
  while (kept.length && kept[kept.length - 1]!.trim() === "") kept.pop();
  for (const [k, v] of pending) if (v !== undefined) kept.push(`${k} = ${v}`);
  const trailing = end < lines.length ? [""] : [];
  const out = [...lines.slice(0, start + 1), ...kept, ...trailing, ...lines.slice(end)];
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n")}\n`;
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

/** Updates one section of an AWS shared file in place (atomically, 0600). */
export function updateAwsFile(
  path: string,
  section: string,
  values: Record<string, string | undefined>,
): void {
  writePrivateFileAtomic(path, upsertIniSection(readIfExists(path), section, values));
}
