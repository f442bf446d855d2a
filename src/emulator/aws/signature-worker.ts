import type { KeyObject } from "node:crypto";
import { Worker } from "node:worker_threads";
import {
  type PreparedSignatureCheck,
  prepareSignatureCheck,
  runSignatureCheck,
  type SignatureChecker,
} from "../../oidc/signature.js";

// The worker runs `runSignatureCheck` itself, from its source text: the CLI ships as bundles,
// with no worker file to point at, and the function takes node:crypto as a parameter.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const crypto = require("node:crypto");
const runSignatureCheck = (${runSignatureCheck.toString()});
const keys = new Map();
parentPort.on("message", (batch) => {
  const out = new Uint8Array(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const [keyId, newKey, hash, ec, signingInput, signature] = batch[i];
    if (newKey) keys.set(keyId, newKey);
    const check = { hash, key: keys.get(keyId), ec, signingInput, signature };
    try {
      out[i] = runSignatureCheck(check, crypto) ? 1 : 0;
    } catch {
      out[i] = 2;
    }
  }
  parentPort.postMessage(out);
});
`;

type Item = [number, KeyObject | null, string, boolean, string, string | Uint8Array];
interface Pending {
  check: PreparedSignatureCheck;
  resolve: (valid: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * Token signatures checked on a worker thread, so the emulator's event loop goes on parsing and
 * answering HTTP while RSA runs on another core (RS256 was a quarter of an STS answer). Checks
 * asked for during one event-loop turn travel as one message. If the worker fails, everything
 * pending and everything after is checked on this thread: slower, never a wrong answer.
 */
export class SignatureWorker {
  private worker: Worker | undefined;
  private readonly keyIds = new WeakMap<KeyObject, number>();
  private nextKeyId = 1;
  private batch: Item[] = [];
  private batchPending: Pending[] = [];
  /** Sent batches, oldest first; the worker answers in order. */
  private readonly inFlight: Pending[][] = [];

  constructor() {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true });
    } catch {
      return; // No thread to be had (resource limits): every check runs inline.
    }
    worker.unref();
    worker.on("message", (results: Uint8Array) => this.settle(results));
    worker.on("error", () => this.fallBack());
    worker.on("exit", () => this.fallBack());
    this.worker = worker;
  }

  readonly check: SignatureChecker = (alg, key, signingInput, signature) => {
    const c = prepareSignatureCheck(alg, key, signingInput, signature);
    if (c === undefined) return false;
    if (this.worker === undefined) return runSignatureCheck(c);
    let keyId = this.keyIds.get(c.key);
    let newKey: KeyObject | null = null;
    if (keyId === undefined) {
      keyId = this.nextKeyId++;
      this.keyIds.set(c.key, keyId);
      newKey = c.key;
    }
    if (this.batch.length === 0) setImmediate(() => this.send());
    // A copy of bytes: a view into Node's shared pool would carry the whole pool across.
    const sig = typeof c.signature === "string" ? c.signature : new Uint8Array(c.signature);
    this.batch.push([keyId, newKey, c.hash, c.ec, c.signingInput, sig]);
    return new Promise<boolean>((resolve, reject) => {
      this.batchPending.push({ check: c, resolve, reject });
    });
  };

  /** Whether checks still go to the worker thread (false once it failed or was closed). */
  get onWorker(): boolean {
    return this.worker !== undefined;
  }

  /** Stops the worker; later checks run on this thread. */
  async close(): Promise<void> {
    const w = this.worker;
    this.fallBack();
    await w?.terminate();
  }

  private send(): void {
    const items = this.batch;
    const pending = this.batchPending;
    this.batch = [];
    this.batchPending = [];
    if (items.length === 0) return;
    if (this.worker === undefined) {
      for (const p of pending) settleInline(p);
      return;
    }
    try {
      this.worker.postMessage(items);
    } catch {
      // A key the structured clone could not carry: check these here.
      for (const p of pending) settleInline(p);
      return;
    }
    this.inFlight.push(pending);
  }

  private settle(results: Uint8Array): void {
    const pending = this.inFlight.shift();
    if (!pending) return;
    pending.forEach((p, i) => {
      // 2: node:crypto threw (a malformed key or signature): let this thread say why.
      if (results[i] === 2) settleInline(p);
      else p.resolve(results[i] === 1);
    });
  }

  private fallBack(): void {
    if (this.worker === undefined) return;
    this.worker = undefined;
    // A worker that died took its key table with it: every check from here is inline.
    for (const batch of this.inFlight.splice(0)) for (const p of batch) settleInline(p);
  }
}

function settleInline(p: Pending): void {
  try {
    p.resolve(runSignatureCheck(p.check));
  } catch (err) {
    p.reject(err);
  }
}
