import { isoSecondsFromMs } from "../../../shared/iso-time.js";
import type { Store } from "../../store/types.js";
import { keys } from "./lookup.js";
import { COLLECTIONS, type RoleLastUsedStored } from "./records.js";

/** How long a session's use waits before it is written, at most. */
const FLUSH_DELAY_MS = 1000;

/**
 * RoleLastUsed: when and in which region a session of each role was last issued. Issuing a
 * session is STS's hot path, so a use is noted in memory and written behind, in one batch per
 * second at most; reads see it at once. A crash can lose the last second of uses, which IAM's
 * own reporting (hours behind, docs/aws-behaviour.md "IAM API") would not show yet either.
 */
export class RoleLastUsedLog {
  private pending = new Map<string, RoleLastUsedStored>();
  /** The batch being written: still read from here until the store has it. */
  private inFlight = new Map<string, RoleLastUsedStored>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly store: Store) {}

  note(account: string, roleName: string, roleId: string, region: string, nowMs: number): void {
    this.pending.set(keys.role(account, roleName), {
      roleId,
      lastUsedDate: isoSecondsFromMs(nowMs),
      region,
    });
    if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
      this.timer.unref();
    }
  }

  /** The last use of this role (by its ID: a re-created role starts unused). */
  get(account: string, roleName: string, roleId: string): RoleLastUsedStored | undefined {
    const key = keys.role(account, roleName);
    const found =
      this.pending.get(key) ??
      this.inFlight.get(key) ??
      (this.store.peek
        ? this.store.peek<RoleLastUsedStored>(COLLECTIONS.roleLastUsed, key)
        : this.store.get<RoleLastUsedStored>(COLLECTIONS.roleLastUsed, key));
    return found && found.roleId === roleId ? found : undefined;
  }

  /** Forgets a deleted role's use, in memory and on disk. */
  async forget(account: string, roleName: string): Promise<void> {
    const key = keys.role(account, roleName);
    this.pending.delete(key);
    this.inFlight.delete(key);
    await this.writing;
    if (this.store.get(COLLECTIONS.roleLastUsed, key) !== undefined) {
      await this.store.delete(COLLECTIONS.roleLastUsed, key);
    }
  }

  /** Writes what is pending; resolves once it is on disk (or could not be: it is only a log). */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending;
    if (batch.size === 0) return this.writing;
    this.pending = new Map();
    for (const [key, value] of batch) this.inFlight.set(key, value);
    const ops = [...batch].map(([key, value]) => ({
      op: "put" as const,
      collection: COLLECTIONS.roleLastUsed,
      key,
      value,
    }));
    this.writing = this.writing
      .then(() => this.store.batch(ops))
      .catch(() => {
        // A closed or failing store: the uses stay unrecorded, nothing else depends on them.
      })
      .finally(() => {
        for (const [key, value] of batch) {
          if (this.inFlight.get(key) === value) this.inFlight.delete(key);
        }
      });
    return this.writing;
  }
}
