// Valid AssumeRoleWithWebIdentity throughput while another client sends garbage and oversized
// requests (not HTTP, 20 KB headers, 2 MiB bodies, 8,000 list members, 10,001 parameters, deep
// JSON, `//`, garbage tokens), against the same emulator's throughput with no such client,
// windows alternating in the same run. Target: >= 0.8 of the clean throughput. Also reports the
// valid requests' p99 in both, and how every hostile request was answered (never a 5xx).
//
//   node bench/emulator-hostile.mjs     one JSON line on stdout
//
// Tunables (environment, development only): BENCH_HOSTILE_CONNECTIONS (8),
// BENCH_HOSTILE_WINDOW_MS (3000), BENCH_HOSTILE_ROUNDS (3).
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ensureDist,
  ipcClient,
  median,
  startEmulatorProcess,
  stopProcess,
} from "./emulator/procs.mjs";
import { EXPECT, webIdentityBodies } from "./emulator/web-identity-world.mjs";
import { emit, round } from "./lib.mjs";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const root = fileURLToPath(new URL("..", import.meta.url));
const CONNECTIONS = Number(process.env.BENCH_HOSTILE_CONNECTIONS ?? 8);
const WINDOW_MS = Number(process.env.BENCH_HOSTILE_WINDOW_MS ?? 3_000);
const ROUNDS = Number(process.env.BENCH_HOSTILE_ROUNDS ?? 3);
const TOKEN_POOL = 32;

ensureDist(root);

function mustBeClean(label, r) {
  const failed = r.non200 + r.unexpectedBody + r.transportErrors;
  if (failed > 0 || r.requests === 0) {
    throw new Error(
      `${label}: ${failed} of ${r.requests} valid requests failed; first: ${r.firstFailure}`,
    );
  }
  return r;
}

const dir = await mkdtemp(join(tmpdir(), "bb-oidc-bench-hostile-"));
const children = [];
try {
  await cp(join(root, "dist"), join(dir, "dist"), { recursive: true });
  const emulator = await startEmulatorProcess({
    root,
    cli: join(dir, "dist", "cli.cjs"),
    stateDir: join(dir, "state"),
  });
  children.push(emulator.child);
  const { ready } = emulator;
  const bodies = await webIdentityBodies(ready, TOKEN_POOL);

  const loadgen = fork(join(root, "bench/emulator/loadgen.mjs"), [], { stdio: "inherit" });
  children.push(loadgen);
  const load = ipcClient(loadgen);
  const garbage = fork(join(root, "bench/emulator/garbage.mjs"), [], { stdio: "inherit" });
  children.push(garbage);
  const hostile = ipcClient(garbage);
  const valid = (count, maxMs) =>
    load({
      cmd: "run",
      url: ready.awsEndpoint,
      bodies,
      connections: CONNECTIONS,
      count,
      maxMs,
      expect: EXPECT,
    });

  mustBeClean("warm-up", await valid(3_000, 60_000));
  const clean = [];
  const mixed = [];
  const answered = {};
  for (let i = 0; i < ROUNDS; i++) {
    clean.push(mustBeClean("clean window", await valid(1e7, WINDOW_MS)));
    await hostile({
      cmd: "start",
      awsUrl: ready.awsEndpoint,
      bitbucketUrl: ready.bitbucketEndpoint,
      ca: readFileSync(ready.caFile, "utf8"),
    });
    mixed.push(mustBeClean("mixed window", await valid(1e7, WINDOW_MS)));
    const { sent } = await hostile({ cmd: "stop" });
    for (const [kind, { sent: n, statuses }] of Object.entries(sent)) {
      answered[kind] ??= { sent: 0, statuses: {} };
      const a = answered[kind];
      a.sent += n;
      for (const [s, c] of Object.entries(statuses)) a.statuses[s] = (a.statuses[s] ?? 0) + c;
    }
  }
  const serverErrors = Object.values(answered).reduce(
    (n, a) =>
      n +
      Object.entries(a.statuses)
        .filter(([s]) => Number(s) >= 500)
        .reduce((m, [, c]) => m + c, 0),
    0,
  );
  const alive = emulator.child.exitCode === null && emulator.child.signalCode === null;
  const internalErrors = (emulator.stderr.text.match(/internal error/g) ?? []).length;
  const cleanRps = median(clean.map((r) => r.requestsPerSecond));
  const mixedRps = median(mixed.map((r) => r.requestsPerSecond));
  const ratio = mixedRps / cleanRps;
  emit({
    name: "emulator-mixed-load",
    validRequestsPerSecondClean: Math.round(cleanRps),
    validRequestsPerSecondMixed: Math.round(mixedRps),
    ratio: round(ratio),
    target: ">= 0.8 of the clean run; no hostile request answered 5xx; the emulator alive",
    meetsTarget: ratio >= 0.8 && serverErrors === 0 && alive && internalErrors === 0,
    validP99MsClean: round(median(clean.map((r) => r.p99Ms))),
    validP99MsMixed: round(median(mixed.map((r) => r.p99Ms))),
    validMaxMsMixed: round(Math.max(...mixed.map((r) => r.maxMs))),
    hostileRequests: Object.values(answered).reduce((n, a) => n + a.sent, 0),
    hostileAnswered: answered,
    hostileServerErrors: serverErrors,
    emulatorAlive: alive,
    connections: CONNECTIONS,
    windows: ROUNDS,
    windowMs: WINDOW_MS,
    loadAverage1m: round(loadavg()[0], 2),
  });
  await load({ cmd: "exit" }).catch(() => {});
  await hostile({ cmd: "exit" }).catch(() => {});
} finally {
  for (const c of children.reverse()) await stopProcess(c);
  await rm(dir, { recursive: true, force: true });
}
