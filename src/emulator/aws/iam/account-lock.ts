/**
 * Mutations of one account run one at a time, whatever kind of entity they touch. Every mutation
 * checks the current records, then awaits the store, which shows a write to readers only after
 * its fsync; without this, two CreateRole calls for one name would both pass the existence check
 * and both be acknowledged (the later silently replacing the earlier), and two AttachRolePolicy
 * calls on one role would each write back a list missing the other's ARN. One lock for all kinds
 * because some mutations span kinds (attaching checks the policy, deleting a policy checks roles).
 */
export class AccountLock {
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Runs `work` once every earlier mutation of `account` has settled, and holds later ones back
   * until it settles. Reads stay lock-free: they see the state as of the last completed write.
   */
  async run<T>(account: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(account);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before ? before.then(() => mine) : mine;
    this.tails.set(account, tail);
    try {
      if (before) await before;
      return await work();
    } finally {
      release();
      if (this.tails.get(account) === tail) this.tails.delete(account);
    }
  }
}
