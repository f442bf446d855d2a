import {
  createWriteStream,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  type WriteStream,
} from "node:fs";

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
  /**
   * Unsigned calls (web identity): whether the token's signature was verified before the
   * decision. A refusal of an unverified token is anyone's garbage: it is counted in the periodic
   * summary, not written line by line. Not written to the log itself.
   */
  tokenVerified?: boolean;
}

/** Bytes the log may hold in memory when the disk falls behind (default 8 MiB). */
export const AUDIT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** `audit.log` is rotated when it would grow past this (default 10 MiB)… */
export const AUDIT_MAX_FILE_BYTES = 10 * 1024 * 1024;
/** …keeping this many earlier files, `audit.log.1` (newest) to `audit.log.5` (default 5). */
export const AUDIT_KEEP_FILES = 5;
/** Refused requests nobody authenticated are summed up in one line this often (default 60 s). */
export const AUDIT_SUMMARY_MS = 60_000;

/** Lines wait at most this long in memory before they are handed to the disk. */
export const AUDIT_FLUSH_MS = 50;
/** …or until this much is waiting. */
const FLUSH_BYTES = 64 * 1024;
/** Source addresses tracked per summary window; past this, more are only counted. */
const MAX_TRACKED_SOURCES = 1000;
const TOP_SOURCES = 10;

export interface AuditLogOptions {
  maxBufferedBytes?: number;
  /** Rotate at this size; at least 64 KiB. */
  maxFileBytes?: number;
  /** Rotated files kept (0: the log is emptied at the size instead). */
  keepFiles?: number;
  summaryIntervalMs?: number;
  /** Epoch ms, for the summary's times. */
  now?: () => number;
}

/** Refusals nobody authenticated, summed up per window. */
class GarbageCounter {
  count = 0;
  total = 0;
  since: number;
  private byCode = new Map<string, number>();
  private bySource = new Map<string, number>();
  private untrackedSources = 0;

  constructor(now: number) {
    this.since = now;
  }

  add(code: string, ip: string | undefined): void {
    this.count++;
    this.total++;
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
    const source = ip ?? "unknown";
    const seen = this.bySource.get(source);
    if (seen !== undefined) this.bySource.set(source, seen + 1);
    else if (this.bySource.size < MAX_TRACKED_SOURCES) this.bySource.set(source, 1);
    else this.untrackedSources++;
  }

  /** The summary line for the window so far, and a fresh window. */
  take(now: number): string | undefined {
    if (this.count === 0) {
      this.since = now;
      return undefined;
    }
    const top = [...this.bySource.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_SOURCES)
      .map(([ip, count]) => ({ ip, count }));
    const line = `${JSON.stringify({
      time: new Date(now).toISOString(),
      summary: "unauthenticated requests refused",
      since: new Date(this.since).toISOString(),
      count: this.count,
      byCode: Object.fromEntries(this.byCode),
      topSources: top,
      ...(this.untrackedSources > 0 ? { otherSources: this.untrackedSources } : {}),
    })}\n`;
    this.count = 0;
    this.byCode = new Map();
    this.bySource = new Map();
    this.untrackedSources = 0;
    this.since = now;
    return line;
  }
}

/**
 * Appends JSON lines to `<stateDir>/audit.log`. A decision never waits for the disk: lines are
 * collected and written together at most `AUDIT_FLUSH_MS` later (one write per batch, not per
 * request: under load the per-write cost was a visible share of an STS answer).
 *
 * Bounded on every side (docs/architecture.md, "Request handling, limits and state"):
 * - memory: when the disk falls so far behind that `maxBufferedBytes` are waiting, further
 *   entries are dropped (and counted) until it catches up, and the log then says how many;
 * - disk: the file is rotated at `maxFileBytes` into `audit.log.1` … `audit.log.<keepFiles>`,
 *   the oldest dropped;
 * - noise: refusals of requests nobody authenticated (garbage tokens, bad signatures, malformed
 *   requests) are counted and written as one summary line per `summaryIntervalMs`.
 * A broken log disables itself instead of failing requests.
 */
export class AuditLog {
  private stream: WriteStream | undefined;
  private readonly path: string | undefined;
  private readonly maxBufferedBytes: number;
  private readonly maxFileBytes: number;
  private readonly keepFiles: number;
  private readonly now: () => number;
  private fileBytes = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly summaryTimer: NodeJS.Timeout | undefined;
  private droppedSinceNotice = 0;
  private droppedTotal = 0;
  private readonly garbage: GarbageCounter;

  constructor(path: string | undefined, options: AuditLogOptions = {}) {
    this.path = path;
    this.maxBufferedBytes = options.maxBufferedBytes ?? AUDIT_MAX_BUFFERED_BYTES;
    this.maxFileBytes = Math.max(64 * 1024, options.maxFileBytes ?? AUDIT_MAX_FILE_BYTES);
    this.keepFiles = Math.max(0, Math.floor(options.keepFiles ?? AUDIT_KEEP_FILES));
    this.now = options.now ?? Date.now;
    this.garbage = new GarbageCounter(this.now());
    if (path) {
      try {
        this.fileBytes = statSync(path).size;
      } catch {
        this.fileBytes = 0;
      }
      try {
        this.stream = this.open(path);
      } catch {
        // No log (an unwritable state dir) rather than a failed start; requests are unaffected.
        this.stream = undefined;
      }
      this.summaryTimer = setInterval(
        () => this.queue(this.garbage.take(this.now())),
        options.summaryIntervalMs ?? AUDIT_SUMMARY_MS,
      );
      this.summaryTimer.unref();
    }
  }

  /** Entries dropped since start because the disk could not keep up. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Unauthenticated refusals counted since start (summed up, not logged one by one). */
  get unauthenticated(): number {
    return this.garbage.total;
  }

  append(entry: AuditEntry): void {
    if (!this.stream) return;
    const { tokenVerified, ...logged } = entry;
    if (entry.decision === "deny" && entry.caller === undefined && tokenVerified !== true) {
      this.garbage.add(entry.code ?? "unknown", entry.ip);
      return;
    }
    const line = `${JSON.stringify(logged)}\n`;
    // Counted in UTF-16 units, close enough to bytes for a bound.
    if (this.stream.writableLength + this.pendingBytes + line.length > this.maxBufferedBytes) {
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
      this.queue(notice);
    }
    this.queue(line);
  }

  /**
   * A request refused before any handler decided it (malformed, unsigned where a signature is
   * needed, a bad signature, over a limit): counted with the unauthenticated refusals.
   */
  countRejected(code: string, ip: string | undefined): void {
    if (this.stream) this.garbage.add(code, ip);
  }

  private queue(line: string | undefined): void {
    if (line === undefined || !this.stream) return;
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
    if (this.pending.length === 0 || !this.stream) return;
    const lines = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    // One write per batch, split only where a rotation falls, so no file passes the bound.
    let chunk: string[] = [];
    let chunkBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line);
      if (
        this.fileBytes + chunkBytes + bytes > this.maxFileBytes &&
        this.fileBytes + chunkBytes > 0
      ) {
        if (chunk.length > 0) this.stream?.write(chunk.join(""));
        chunk = [];
        chunkBytes = 0;
        this.rotate();
      }
      chunk.push(line);
      chunkBytes += bytes;
    }
    this.fileBytes += chunkBytes;
    this.stream?.write(chunk.join(""));
  }

  /**
   * `audit.log.N-1` → `audit.log.N` …, `audit.log` → `audit.log.1`, then a new `audit.log`. The
   * old stream keeps its descriptor, so what it still has to write lands in `audit.log.1`.
   */
  private rotate(): void {
    const path = this.path!;
    const old = this.stream!;
    try {
      if (this.keepFiles === 0) {
        unlinkSync(path);
      } else {
        for (let n = this.keepFiles - 1; n >= 1; n--)
          renameIfExists(`${path}.${n}`, `${path}.${n + 1}`);
        renameSync(path, `${path}.1`);
      }
    } catch {
      // Renaming failed (permissions, a vanished directory): stop rather than grow without bound.
      this.stream = undefined;
      old.end();
      return;
    }
    old.end();
    try {
      this.stream = this.open(path);
    } catch {
      this.stream = undefined;
    }
    this.fileBytes = 0;
  }

  private open(path: string): WriteStream {
    // Opened now, not when the stream gets round to it: a rotation may rename the file at once.
    const fd = openSync(path, "a", 0o600);
    const stream = createWriteStream(path, { fd });
    stream.on("error", () => {
      if (this.stream === stream) this.stream = undefined;
      this.pending = [];
      this.pendingBytes = 0;
    });
    return stream;
  }

  close(): Promise<void> {
    if (this.summaryTimer !== undefined) clearInterval(this.summaryTimer);
    this.queue(this.garbage.take(this.now()));
    this.flush();
    const s = this.stream;
    this.stream = undefined;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => s.end(() => resolve()));
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}
