import { createWriteStream, type WriteStream } from "node:fs";

/** One STS decision. Never a token, a key or a secret: only what explains the outcome. */
export interface AuditEntry {
  time: string;
  requestId: string;
  ip?: string;
  action: string;
  /** The caller's ARN for signed calls. */
  caller?: string;
  role?: string;
  sessionName?: string;
  subject?: string;
  issuer?: string;
  decision: "allow" | "deny";
  code?: string;
  /** The failing (or deciding) condition in plain words, from the decision. */
  reason?: string;
}

/** Bytes the log may hold in memory when the disk falls behind (default 8 MiB). */
export const AUDIT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** Lines wait at most this long in memory before they are handed to the disk. */
export const AUDIT_FLUSH_MS = 50;
/** …or until this much is waiting. */
const FLUSH_BYTES = 64 * 1024;

/**
 * Appends JSON lines to `<stateDir>/audit.log`. A decision never waits for the disk: lines are
 * collected and written together at most `AUDIT_FLUSH_MS` later (one write per batch, not per
 * request: under load the per-write cost was a visible share of an STS answer). Memory is bounded: when the disk falls so far
 * behind that `maxBufferedBytes` are waiting, further entries are dropped (and counted) until it
 * catches up, and the log then says how many were lost. A broken log disables itself instead of
 * failing requests.
 */
export class AuditLog {
  private stream: WriteStream | undefined;
  private readonly maxBufferedBytes: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private droppedSinceNotice = 0;
  private droppedTotal = 0;

  constructor(path: string | undefined, options: { maxBufferedBytes?: number } = {}) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? AUDIT_MAX_BUFFERED_BYTES;
    if (path) {
      this.stream = createWriteStream(path, { flags: "a", mode: 0o600 });
      this.stream.on("error", () => {
        this.stream = undefined;
        this.pending = [];
        this.pendingBytes = 0;
      });
    }
  }

  /** Entries dropped since start because the disk could not keep up. */
  get dropped(): number {
    return this.droppedTotal;
  }

  append(entry: AuditEntry): void {
    const stream = this.stream;
    if (!stream) return;
    const line = `${JSON.stringify(entry)}\n`;
    // Counted in UTF-16 units, close enough to bytes for a bound.
    if (stream.writableLength + this.pendingBytes + line.length > this.maxBufferedBytes) {
      this.droppedSinceNotice++;
      this.droppedTotal++;
      return;
    }
    if (this.droppedSinceNotice > 0) {
      const notice = `${JSON.stringify({
        time: entry.time,
        dropped: this.droppedSinceNotice,
        reason: `the audit log fell behind the disk; ${this.droppedSinceNotice} entries before this line were not written`,
      })}\n`;
      this.droppedSinceNotice = 0;
      this.pending.push(notice);
      this.pendingBytes += notice.length;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), AUDIT_FLUSH_MS);
      // A process that ends without close() loses at most this batch, as it would a write.
      this.timer.unref();
    }
  }

  private flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const text = this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    this.stream?.write(text);
  }

  close(): Promise<void> {
    this.flush();
    const s = this.stream;
    this.stream = undefined;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => s.end(() => resolve()));
  }
}
