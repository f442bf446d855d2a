/**
 * Hostile requests against the emulator as the user runs it (its own process, started from the
 * built CLI): raw HTTP/HTTPS so any bytes can be sent, and a probe that measures how long a
 * well-behaved client waits meanwhile.
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { EmulatorProcess } from "../durability/helpers.js";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string | number>;
  /** A body, or a generator of chunks sent without Content-Length (chunked). */
  body?: string | Buffer | (() => Iterable<Buffer>);
  timeoutMs?: number;
}

/** One request to the AWS (http) or Bitbucket (https) side; the CA is read from the ready line. */
export function send(emu: EmulatorProcess, side: "aws" | "bitbucket", r: RawRequest) {
  const base = new URL(side === "aws" ? emu.ready.awsEndpoint : emu.ready.bitbucketEndpoint);
  const ca = side === "bitbucket" ? readFileSync(emu.ready.caFile) : undefined;
  return new Promise<RawResponse>((resolve, reject) => {
    const make = side === "aws" ? httpRequest : httpsRequest;
    const req = make(
      {
        host: base.hostname,
        port: base.port,
        method: r.method ?? "POST",
        path: r.path ?? "/",
        headers: r.headers ?? {},
        agent: false,
        ...(ca ? { ca, servername: "localhost" } : {}),
        timeout: r.timeoutMs ?? 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    const body = r.body;
    if (typeof body === "function") {
      (async () => {
        for (const chunk of body()) {
          if (req.destroyed) return;
          if (!req.write(chunk)) await new Promise((ok) => req.once("drain", ok));
        }
        req.end();
      })().catch(() => {});
    } else {
      req.end(body);
    }
  });
}

/** Raw bytes to a side; resolves with everything the server sent before closing. */
export function sendBytes(emu: EmulatorProcess, side: "aws" | "bitbucket", bytes: string) {
  const base = new URL(side === "aws" ? emu.ready.awsEndpoint : emu.ready.bitbucketEndpoint);
  return new Promise<string>((resolve, reject) => {
    const socket =
      side === "aws"
        ? netConnect(Number(base.port), base.hostname)
        : tlsConnect({
            host: base.hostname,
            port: Number(base.port),
            ca: readFileSync(emu.ready.caFile),
            servername: "localhost",
          });
    let out = "";
    socket.setTimeout(20_000, () => socket.destroy(new Error("timed out")));
    socket.on("data", (d: Buffer) => {
      out += d.toString("latin1");
    });
    socket.on("error", (err) => (out ? resolve(out) : reject(err)));
    socket.on("close", () => resolve(out));
    socket.write(bytes);
  });
}

/** AWS error code of a Query-protocol error body. */
export function awsCode(text: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
}

export function awsMessage(text: string): string | undefined {
  return /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
}

/** A signed GetCallerIdentity with the first account's admin key: how long it took. */
export async function probeAws(emu: EmulatorProcess): Promise<number> {
  const { accessKeyId, secretAccessKey } = emu.ready.accounts[0]!;
  const client = new STSClient({
    endpoint: emu.ready.awsEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
  const started = performance.now();
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    if (out.Account !== emu.ready.accounts[0]!.id) throw new Error("wrong account");
  } finally {
    client.destroy();
  }
  return performance.now() - started;
}

/** The workspace's keys from the Bitbucket side: how long it took. */
export async function probeBitbucket(emu: EmulatorProcess): Promise<number> {
  const slug = emu.ready.workspaces[0]!.slug;
  const started = performance.now();
  const r = await send(emu, "bitbucket", {
    method: "GET",
    path: `/2.0/workspaces/${slug}/pipelines-config/identity/oidc/keys.json`,
  });
  if (r.status !== 200 || !r.text.includes('"keys"')) throw new Error(`keys: ${r.status}`);
  return performance.now() - started;
}

/**
 * Runs `hostile` while both sides are probed back to back; returns the hostile result and the
 * longest any probe waited. A stall shows as seconds; a well-behaved server as milliseconds.
 */
export async function whileProbing<T>(
  emu: EmulatorProcess,
  hostile: () => Promise<T>,
): Promise<{ result: T; worstProbeMs: number; probes: number }> {
  let done = false;
  let worst = 0;
  let probes = 0;
  const loop = async () => {
    while (!done) {
      const [a, b] = await Promise.all([probeAws(emu), probeBitbucket(emu)]);
      worst = Math.max(worst, a, b);
      probes++;
    }
  };
  const probing = loop();
  let result: T;
  try {
    result = await hostile();
  } finally {
    // The probe in flight when the hostile request was answered counts too.
    done = true;
    await probing;
  }
  return { result, worstProbeMs: worst, probes };
}

/** The process is still there and both sides answer a well-behaved client. */
export async function expectAlive(emu: EmulatorProcess): Promise<void> {
  if (emu.child.exitCode !== null || emu.child.signalCode !== null) {
    throw new Error(
      `the emulator exited (${emu.child.exitCode ?? emu.child.signalCode}): ${emu.stderr()}`,
    );
  }
  await probeAws(emu);
  await probeBitbucket(emu);
}
