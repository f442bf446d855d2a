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

/**
 * Appends JSON lines to `<stateDir>/audit.log`. A write stream buffers, so a decision never waits
 * for the disk; a broken log disables itself instead of failing requests.
 */
export class AuditLog {
  private stream: WriteStream | undefined;

  constructor(path: string | undefined) {
    if (path) {
      this.stream = createWriteStream(path, { flags: "a", mode: 0o600 });
      this.stream.on("error", () => {
        this.stream = undefined;
      });
    }
  }

  append(entry: AuditEntry): void {
    this.stream?.write(`${JSON.stringify(entry)}\n`);
  }

  close(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => s.end(() => resolve()));
  }
}
