import { dirname } from "node:path";
import { BbOidcError } from "../../errors.js";

/**
 * Refusals about the state directory. The emulator never resets state on its own: every refusal
 * names the path and says what the user can do, because silently starting empty would make
 * earlier acknowledged writes vanish.
 */
export function stateForeign(dir: string, why: string): BbOidcError {
  return new BbOidcError(
    "ERR_STATE_FOREIGN",
    `${dir} is not a bb-oidc emulator state directory (${why}); refusing to use it.`,
    {
      actual: dir,
      hint: "Point the emulator at an empty or new directory, or at one it created before.",
    },
  );
}

/**
 * `path` is the damaged (or missing) file; the message names it and what to do: another state
 * directory, or an explicit reset of this one. Nothing is ever reset without being asked.
 */
export function stateCorrupt(path: string, why: string, cause?: unknown): BbOidcError {
  const dir = dirname(path);
  return new BbOidcError(
    "ERR_STATE_CORRUPT",
    `Emulator state at ${path} is damaged: ${why}. Refusing to start rather than lose data; nothing was changed.`,
    {
      actual: path,
      hint:
        `Start with --state pointing at another directory, or discard this state with ` +
        `\`bb-oidc emulator reset --state ${dir}\` (a new CA and thumbprint, new admin keys, ` +
        "no roles or providers). Back the directory up first if you want to look into it.",
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

export function stateVersion(dir: string, found: unknown, supported: number): BbOidcError {
  return new BbOidcError(
    "ERR_STATE_VERSION",
    `${dir} holds emulator state in format version ${String(found)}, but this bb-oidc reads only version ${supported}.`,
    {
      expected: supported,
      actual: found,
      hint: "Use the bb-oidc release that wrote this state, or start with a new state directory.",
    },
  );
}

export function stateLocked(dir: string, holder: string): BbOidcError {
  return new BbOidcError("ERR_STATE_LOCKED", `${dir} is in use by another emulator (${holder}).`, {
    actual: holder,
    hint:
      "Stop the other emulator or use a different state directory. If no emulator is running, " +
      "delete the lock file named in this message.",
  });
}

/** After a failed disk write the journal's tail is unknown; refuse further writes. */
export function storeBroken(dir: string, cause: unknown): BbOidcError {
  return new BbOidcError(
    "ERR_STATE_WRITE_FAILED",
    `Writing emulator state to ${dir} failed; further changes are refused until the emulator restarts.`,
    { cause, hint: "Check free disk space and permissions, then restart the emulator." },
  );
}

export function storeClosed(): BbOidcError {
  return new BbOidcError("ERR_STATE_CLOSED", "The emulator state store is closed.");
}

export function storeInput(message: string, actual: unknown): BbOidcError {
  return new BbOidcError("ERR_INPUT", message, { actual });
}
