/**
 * File names inside a state directory. One place, so the refusal logic ("is this dir ours?") and
 * the writers agree.
 */
export const MARKER_FILE = "bb-oidc-state.json";
export const JOURNAL_FILE = "journal.jsonl";
export const SNAPSHOT_FILE = "snapshot.json";
export const LOCK_FILE = "emulator.lock";
/** The running emulator's process ID (for `bb-oidc emulator stop`); not state. */
export const PID_FILE = "emulator.pid";

/** Written into the marker; a directory whose marker says anything else is foreign. */
export const STATE_FORMAT = "bb-oidc-emulator-state";
/** 2: the journal starts with a header naming the snapshot it continues (1 is migrated). */
export const STATE_VERSION = 2;
/** Versions this release opens; older ones are migrated on open. */
export const READABLE_VERSIONS = [1, 2];

/**
 * Files an interrupted initialisation can leave behind. A directory holding only these is
 * treated as empty, so a crash during the very first start does not make the directory "foreign".
 */
export function isInitLeftover(name: string): boolean {
  return (
    name === LOCK_FILE ||
    name === PID_FILE ||
    name === `${MARKER_FILE}.tmp` ||
    name === `${JOURNAL_FILE}.tmp` ||
    /^emulator\.lock\.\d+\.tmp$/.test(name)
  );
}

/**
 * Files the emulator keeps beside its state that are not state: the CA root it rewrites from the
 * state at every start (certs/load-or-create.ts) and the audit log with its rotations.
 */
export function isDerivedFile(name: string): boolean {
  return name === "ca-root.pem" || /^audit\.log(\.\d+)?$/.test(name);
}
