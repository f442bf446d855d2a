import { isoSecondsFromMs } from "../../../shared/iso-time.js";
import type { Store } from "../../store/types.js";
import type { RandomSource } from "../random.js";
import type { AccountLock } from "./account-lock.js";

/** What every IAM entity module shares: the store, the one account lock, ids and the clock. */
export interface IamContext {
  store: Store;
  lock: AccountLock;
  random: RandomSource;
  /** Epoch milliseconds. */
  now: () => number;
}

/** IAM writes timestamps without fractional seconds. */
export function isoNow(ctx: IamContext): string {
  return isoSecondsFromMs(ctx.now());
}
