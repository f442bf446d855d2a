/**
 * File names inside a state directory. One place, so the refusal logic ("is this dir ours?") and
 * the writers agree.
 */
export const MARKER_FILE = "bb-oidc-state.json";
export const JOURNAL_FILE = "journal.jsonl";
export const SNAPSHOT_FILE = "snapshot.json";
export const LOCK_FILE = "emulator.lock";

/** Written into the marker; a directory whose marker says anything else is foreign. */
export const STATE_FORMAT = "bb-oidc-emulator-state";
export const STATE_VERSION = 1;

/**
 * Files an interrupted initialisation can leave behind. A directory holding only these is
 * treated as empty, so a crash during the very first start does not make the directory "foreign".
 */
export function isInitLeftover(name: string): boolean {
  return (
    name === LOCK_FILE || name === `${MARKER_FILE}.tmp` || /^emulator\.lock\.\d+\.tmp$/.test(name)
  );
}
