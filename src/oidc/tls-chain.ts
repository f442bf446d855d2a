import { X509Certificate } from "node:crypto";
import { isIP, Socket } from "node:net";
import { Duplex } from "node:stream";
import {
  checkServerIdentity,
  type DetailedPeerCertificate,
  type TLSSocket,
  connect as tlsConnect,
} from "node:tls";
import { FetchError, InputError } from "../errors.js";
import { DEFAULT_FETCH_TIMEOUT_MS, isTlsErrorCode } from "./fetcher.js";

export interface TlsCertificate {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** SHA-1 of the DER, 40 lowercase hex digits, no colons. */
  sha1: string;
  pem: string;
  selfSigned: boolean;
}

export interface TlsChain {
  host: string;
  port: number;
  servername?: string;
  protocol: string | null;
  /** The chain verified against the trusted CAs and the host name. */
  authorized: boolean;
  authorizationError?: string;
  /** In the order the server sent them (leaf first). */
  certificates: TlsCertificate[];
  /**
   * `handshake`: read from the server's Certificate message (exact served order, as
   * `openssl s_client -showcerts`). `reconstructed`: the server only speaks TLS 1.3, whose
   * Certificate message is encrypted; the chain is Node's issuer chain with a trailing
   * self-signed root dropped (servers rarely send the root).
   */
  source: "handshake" | "reconstructed";
}

export interface FetchTlsChainOptions {
  /** Trusted CA(s), PEM; replaces the default roots. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** SNI and the name checked; default `host` (never an IP address). */
  servername?: string;
  /** Connect to this address instead of `host` (SNI stays `servername`/`host`). */
  connectHost?: string;
  timeoutMs?: number;
  /** Default true: an untrusted chain is `ERR_FETCH_TLS`. With false the chain is returned with `authorized: false`. */
  rejectUnauthorized?: boolean;
  /** Opens the TCP stream (a proxy tunnel, from the CLI); default a direct connection. */
  openSocket?: (host: string, port: number) => Promise<Socket>;
}

function describeCert(der: Buffer): TlsCertificate {
  const x = new X509Certificate(der);
  const flat = (s: string) => s.split("\n").filter(Boolean).join(", ");
  return {
    subject: flat(x.subject),
    issuer: flat(x.issuer),
    validFrom: x.validFrom,
    validTo: x.validTo,
    sha1: x.fingerprint.replace(/:/g, "").toLowerCase(),
    pem: x.toString(),
    selfSigned: x.checkIssued(x) && x.verify(x.publicKey),
  };
}

/**
 * Reads the server's TLS 1.2 Certificate handshake message (plaintext) out of the raw bytes the
 * server sends. Returns the DER certificates once seen; stops at ChangeCipherSpec.
 */
class CertificateSniffer {
  private records = Buffer.alloc(0);
  private handshake = Buffer.alloc(0);
  done = false;
  certificates: Buffer[] | undefined;

  feed(chunk: Buffer): void {
    if (this.done) return;
    this.records = Buffer.concat([this.records, chunk]);
    while (!this.done && this.records.length >= 5) {
      const type = this.records[0]!;
      const len = this.records.readUInt16BE(3);
      if (this.records.length < 5 + len) return;
      const fragment = this.records.subarray(5, 5 + len);
      this.records = this.records.subarray(5 + len);
      if (type !== 22) {
        this.done = true; // ChangeCipherSpec, alert or application data: nothing more in clear
        return;
      }
      this.handshake = Buffer.concat([this.handshake, fragment]);
      this.parseHandshake();
    }
  }

  private parseHandshake(): void {
    while (!this.done && this.handshake.length >= 4) {
      const msgType = this.handshake[0]!;
      const len = this.handshake.readUIntBE(1, 3);
      if (this.handshake.length < 4 + len) return;
      const body = this.handshake.subarray(4, 4 + len);
      this.handshake = this.handshake.subarray(4 + len);
      if (msgType === 11) {
        this.certificates = parseCertificateList(body);
        this.done = true;
      }
    }
  }
}

function parseCertificateList(body: Buffer): Buffer[] {
  const certs: Buffer[] = [];
  if (body.length < 3) return certs;
  const total = body.readUIntBE(0, 3);
  let off = 3;
  const end = Math.min(body.length, 3 + total);
  while (off + 3 <= end) {
    const len = body.readUIntBE(off, 3);
    off += 3;
    if (off + len > end) break;
    certs.push(Buffer.from(body.subarray(off, off + len)));
    off += len;
  }
  return certs;
}

/** A duplex over a TCP socket that shows every byte received to a tap. */
class TappedSocket extends Duplex {
  constructor(
    private readonly inner: Socket,
    tap: (chunk: Buffer) => void,
  ) {
    super();
    inner.on("data", (d: Buffer) => {
      tap(d);
      if (!this.push(d)) inner.pause();
    });
    inner.on("end", () => this.push(null));
    inner.on("error", (e) => this.destroy(e));
    inner.on("close", () => this.destroy());
  }
  override _read(): void {
    this.inner.resume();
  }
  override _write(chunk: Buffer, encoding: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.inner.write(chunk, encoding, cb);
  }
  override _final(cb: (e?: Error | null) => void): void {
    this.inner.end();
    cb();
  }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.inner.destroy();
    cb(err);
  }
}

interface Attempt {
  socket: TLSSocket;
  sniffed?: Buffer[];
}

function handshake(
  host: string,
  port: number,
  opts: FetchTlsChainOptions,
  servername: string | undefined,
  tls12: boolean,
): Promise<Attempt> {
  const label = `tls://${host}:${port}`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const rejectUnauthorized = opts.rejectUnauthorized ?? true;
  return new Promise((resolve, reject) => {
    const sniffer = new CertificateSniffer();
    let raw: Socket | undefined;
    let socket: TLSSocket | undefined;
    let settled = false;
    const finish = (err: Error | undefined, attempt?: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        socket?.destroy();
        raw?.destroy();
        reject(err);
      } else resolve(attempt!);
    };
    const onError = (err: NodeJS.ErrnoException) => {
      if (isTlsErrorCode(err.code)) {
        finish(
          new FetchError(
            "ERR_FETCH_TLS",
            `TLS with ${host}:${port} failed: ${err.message}`,
            label,
            {
              actual: err.code,
              cause: err,
            },
          ),
        );
      } else {
        finish(
          new FetchError(
            "ERR_FETCH_NETWORK",
            `could not connect to ${host}:${port}: ${err.message}`,
            label,
            {
              actual: err.code,
              cause: err,
            },
          ),
        );
      }
    };
    const begin = (tcp: Socket) => {
      raw = tcp;
      if (settled) {
        tcp.destroy();
        return;
      }
      tcp.on("error", onError);
      const stream = tls12 ? new TappedSocket(tcp, (d) => sniffer.feed(d)) : tcp;
      const tlsSocket = tlsConnect({
        socket: stream as Socket,
        servername,
        ca: opts.ca,
        rejectUnauthorized,
        checkServerIdentity: (_h, cert) => checkServerIdentity(servername ?? host, cert),
        ...(tls12 ? { maxVersion: "TLSv1.2" as const } : {}),
      });
      socket = tlsSocket;
      tlsSocket.on("error", onError);
      tlsSocket.on("secureConnect", () =>
        finish(undefined, {
          socket: tlsSocket,
          sniffed: tls12 ? sniffer.certificates : undefined,
        }),
      );
    };
    if (opts.openSocket) {
      opts.openSocket(opts.connectHost ?? host, port).then(begin, onError);
    } else {
      const tcp = new Socket();
      tcp.connect(port, opts.connectHost ?? host);
      begin(tcp);
    }
    const timer = setTimeout(
      () =>
        finish(
          new FetchError(
            "ERR_FETCH_TIMEOUT",
            `no TLS handshake with ${host}:${port} within ${timeoutMs} ms`,
            label,
            {
              expected: { timeoutMs },
            },
          ),
        ),
      timeoutMs,
    );
  });
}

function reconstruct(socket: TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (c?.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(c.raw);
    c = c.issuerCertificate;
  }
  if (out.length > 1 && describeCert(out[out.length - 1]!).selfSigned) out.pop();
  return out;
}

/**
 * Real TLS handshake with SNI; returns the certificates the server sent, leaf first. First tries
 * TLS 1.2 so the Certificate message can be read exactly as served; a server that refuses TLS 1.2
 * gets a second, TLS 1.3 handshake and a reconstructed chain (`source: "reconstructed"`).
 */
export async function fetchTlsChain(
  host: string,
  port = 443,
  opts: FetchTlsChainOptions = {},
): Promise<TlsChain> {
  const servername = opts.servername ?? (isIP(host) ? undefined : host);
  let attempt: Attempt;
  let source: TlsChain["source"] = "handshake";
  try {
    attempt = await handshake(host, port, opts, servername, true);
  } catch (e) {
    const code = (e as FetchError).actual;
    const versionProblem =
      e instanceof FetchError &&
      e.code === "ERR_FETCH_TLS" &&
      typeof code === "string" &&
      /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|WRONG_VERSION|NO_PROTOCOLS|EPROTO/.test(code);
    if (!versionProblem) throw e;
    attempt = await handshake(host, port, opts, servername, false);
    source = "reconstructed";
  }
  const { socket } = attempt;
  try {
    let ders = attempt.sniffed;
    if (!ders || ders.length === 0) {
      ders = reconstruct(socket);
      source = "reconstructed";
    }
    let authorizationError: string | undefined;
    if (!socket.authorized) authorizationError = String(socket.authorizationError);
    else {
      const idErr = checkServerIdentity(servername ?? host, socket.getPeerCertificate());
      if (idErr) authorizationError = idErr.message;
    }
    const chain: TlsChain = {
      host,
      port,
      protocol: socket.getProtocol(),
      authorized: authorizationError === undefined,
      certificates: ders.map(describeCert),
      source,
    };
    if (servername !== undefined) chain.servername = servername;
    if (authorizationError !== undefined) chain.authorizationError = authorizationError;
    return chain;
  } finally {
    socket.destroy();
  }
}

/**
 * IAM's thumbprint: SHA-1 of the last certificate the server sends (the top intermediate CA, as
 * the last certificate `openssl s_client -showcerts` prints). 40 lowercase hex digits.
 */
export function iamThumbprint(chain: TlsChain | readonly TlsCertificate[]): string {
  const certs = "certificates" in chain ? chain.certificates : chain;
  const last = certs[certs.length - 1];
  if (!last) {
    throw new InputError("the certificate chain is empty: no certificate to take a thumbprint of");
  }
  return last.sha1;
}
