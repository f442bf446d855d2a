// AssumeRoleWithWebIdentity over loopback HTTP: the emulator (`bb-oidc emulator`, its own process)
// against a bare node:http server (its own process) answering the same bytes, both driven by one
// load generator (a third process) with the same keep-alive connections, in the same run.
// Then the emulator's resident memory across 100,000 more requests.
//
//   node bench/emulator-sts.mjs            two JSON lines on stdout
//   node bench/emulator-sts.mjs --profile  also runs the emulator under --cpu-prof and prints
//                                          where its time goes (stderr)
//
// Tunables (environment, for development only): BENCH_EMU_CONNECTIONS (32),
// BENCH_EMU_MEMORY_REQUESTS (100000), BENCH_EMU_WINDOW_MS (3000), BENCH_EMU_ROUNDS (3).
import { fork } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  cpuSecondsOf,
  cpuTimesOf,
  ensureDist,
  ipcClient,
  median,
  memoryOf,
  startEmulatorProcess,
  stopProcess,
} from "./emulator/procs.mjs";
import { bundleForProfile, summariseProfile } from "./emulator/profile-summary.mjs";
import { EXPECT, webIdentityBodies } from "./emulator/web-identity-world.mjs";
import { emit, round } from "./lib.mjs";

// The pinned SDK warns on Node 20 that later releases need Node 22; noise on a bench's stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const root = fileURLToPath(new URL("..", import.meta.url));
const profile = process.argv.includes("--profile");
const CONNECTIONS = Number(process.env.BENCH_EMU_CONNECTIONS ?? 32);
const MEMORY_REQUESTS = Number(process.env.BENCH_EMU_MEMORY_REQUESTS ?? 100_000);
const WARMUP_REQUESTS = 5_000;
const WINDOW_MS = Number(process.env.BENCH_EMU_WINDOW_MS ?? 3_000);
const ROUNDS = Number(process.env.BENCH_EMU_ROUNDS ?? 3);
const TOKEN_POOL = 64;

ensureDist(root);

let emulator;

/** One loadgen answer is only a measurement if every response was a real success. */
function mustBeClean(label, r) {
  const failed = r.non200 + r.unexpectedBody + r.transportErrors;
  if (failed > 0 || r.requests === 0) {
    const child = emulator?.child;
    const state = child
      ? `emulator process: ${child.exitCode === null && child.signalCode === null ? "running" : `exited (${child.exitCode ?? child.signalCode})`}; stderr tail: ${emulator.stderr.text.slice(-1500) || "(empty)"}`
      : "";
    throw new Error(
      `${label}: ${failed} of ${r.requests} responses failed (non-200 ${r.non200}, ` +
        `unexpected body ${r.unexpectedBody}, transport ${r.transportErrors}); first: ${r.firstFailure}\n${state}`,
    );
  }
  return r;
}

function postForm(url, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded; charset=utf-8",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const stateDir = await mkdtemp(join(tmpdir(), "bb-oidc-bench-emu-"));
const profileDir = join(stateDir, "..", `${stateDir.split("/").pop()}-prof`);
const children = [];
try {
  // The code under test is a private copy of dist/ (the CLI has no runtime dependencies), so a
  // rebuild of dist/ by someone else during the run cannot change it. With --profile it is an
  // unminified bundle of the same sources instead, so the profile names functions and modules.
  let cli;
  if (profile) {
    cli = join(profileDir, "cli.mjs");
    await bundleForProfile(root, cli);
  } else {
    await cp(join(root, "dist"), join(stateDir, "dist"), { recursive: true });
    cli = join(stateDir, "dist", "cli.cjs");
  }
  emulator = await startEmulatorProcess({
    root,
    cli,
    stateDir: join(stateDir, "state"),
    nodeArgs: profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
  });
  children.push(emulator.child);
  const { ready } = emulator;
  const emuPid = emulator.child.pid;
  const bodies = await webIdentityBodies(ready, TOKEN_POOL);

  // One request by hand: it must be a real success, and its bytes are what the baseline answers.
  const probe = await postForm(ready.awsEndpoint, bodies[0]);
  if (probe.status !== 200 || !probe.body.includes(EXPECT) || !probe.body.includes("ASIA")) {
    throw new Error(`probe AssumeRoleWithWebIdentity failed: ${probe.status} ${probe.body}`);
  }

  const bare = fork(join(root, "bench/emulator/bare-server.mjs"), [], {
    stdio: "inherit",
    execArgv: profile ? ["--cpu-prof", `--cpu-prof-dir=${join(profileDir, "bare")}`] : [],
  });
  children.push(bare);
  const barePort = await new Promise((resolve, reject) => {
    bare.once("message", (m) => resolve(m.port));
    bare.once("exit", (c) => reject(new Error(`bare server exited (${c})`)));
    bare.send({ body: probe.body });
  });
  const bareUrl = `http://127.0.0.1:${barePort}`;

  const loadgen = fork(join(root, "bench/emulator/loadgen.mjs"), [], { stdio: "inherit" });
  children.push(loadgen);
  const call = ipcClient(loadgen);
  const load = (url, count, maxMs) =>
    call({ cmd: "run", url, bodies, connections: CONNECTIONS, count, maxMs, expect: EXPECT });

  // Warm-up (JIT, key cache, thumbprint cache, the audit log's stream), then memory.
  mustBeClean("warm-up", await load(ready.awsEndpoint, WARMUP_REQUESTS, 60_000));
  mustBeClean("bare warm-up", await load(bareUrl, WARMUP_REQUESTS, 60_000));
  await new Promise((r) => setTimeout(r, 200));
  const memBefore = memoryOf(emuPid);
  const cpuBefore = cpuSecondsOf(emuPid);
  // Two halves, so the report shows whether growth levels off (heap sizing) or keeps climbing
  // (a leak: something kept per request).
  const t0 = performance.now();
  const halves = [];
  let memMid;
  for (const n of [Math.ceil(MEMORY_REQUESTS / 2), Math.floor(MEMORY_REQUESTS / 2)]) {
    const left = 100_000 - (performance.now() - t0);
    halves.push(mustBeClean("memory run", await load(ready.awsEndpoint, n, Math.max(left, 1))));
    if (halves.length === 1) memMid = memoryOf(emuPid);
  }
  const sustained = {
    requests: halves[0].requests + halves[1].requests,
    requestsPerSecond:
      ((halves[0].requests + halves[1].requests) / (halves[0].elapsedMs + halves[1].elapsedMs)) *
      1000,
    p50Ms: Math.max(halves[0].p50Ms, halves[1].p50Ms),
    p99Ms: Math.max(halves[0].p99Ms, halves[1].p99Ms),
  };
  const cpuAfter = cpuSecondsOf(emuPid);
  const memAfter = memoryOf(emuPid);

  // Throughput: alternate equal windows so drift (other load on the machine) hits both sides.
  const emuRuns = [];
  const bareRuns = [];
  // CPU seconds the server process used per window: cores busy, and milliseconds per request.
  const emuCpu = [];
  const bareCpu = [];
  const measure = async (label, url, pid, cpu) => {
    const c0 = cpuTimesOf(pid);
    const r = mustBeClean(label, await load(url, 1e7, WINDOW_MS));
    const c1 = cpuTimesOf(pid);
    if (c0 !== undefined) {
      const user = c1.user - c0.user;
      const sys = c1.sys - c0.sys;
      cpu.push({
        cores: ((user + sys) / r.elapsedMs) * 1000,
        msPerRequest: ((user + sys) / r.requests) * 1000,
        userMsPerRequest: (user / r.requests) * 1000,
        sysMsPerRequest: (sys / r.requests) * 1000,
      });
    }
    return r;
  };
  for (let i = 0; i < ROUNDS; i++) {
    bareRuns.push(await measure("bare node:http", bareUrl, bare.pid, bareCpu));
    emuRuns.push(await measure("emulator", ready.awsEndpoint, emuPid, emuCpu));
  }
  const rps = median(emuRuns.map((r) => r.requestsPerSecond));
  const bareRps = median(bareRuns.map((r) => r.requestsPerSecond));
  const ratio = rps / bareRps;
  const internalErrors = (emulator.stderr.text.match(/internal error/g) ?? []).length;
  if (internalErrors > 0) {
    throw new Error(`the emulator logged internal errors: ${emulator.stderr.text.slice(-2000)}`);
  }
  emit({
    name: "emulator-assume-role-with-web-identity",
    requestsPerSecond: Math.round(rps),
    bareHttpRequestsPerSecond: Math.round(bareRps),
    ratio: round(ratio),
    target: ">= 0.5 of bare node:http",
    meetsTarget: ratio >= 0.5,
    p50Ms: round(median(emuRuns.map((r) => r.p50Ms))),
    p99Ms: round(median(emuRuns.map((r) => r.p99Ms))),
    bareP50Ms: round(median(bareRuns.map((r) => r.p50Ms))),
    bareP99Ms: round(median(bareRuns.map((r) => r.p99Ms))),
    connections: CONNECTIONS,
    windows: ROUNDS,
    windowMs: WINDOW_MS,
    requestsMeasured: emuRuns.reduce((n, r) => n + r.requests, 0),
    bareRequestsMeasured: bareRuns.reduce((n, r) => n + r.requests, 0),
    failedResponses: 0,
    tokenPool: TOKEN_POOL,
    responseBytes: Math.round(emuRuns[0].meanResponseBytes),
    // > ~0.95 means one core is saturated by the emulator itself: the limit is its CPU work.
    emulatorCpuCores: emuCpu.length ? round(median(emuCpu.map((c) => c.cores)), 2) : undefined,
    bareCpuCores: bareCpu.length ? round(median(bareCpu.map((c) => c.cores)), 2) : undefined,
    // Server CPU (user + system) per request: what each side costs, whatever the load generator.
    emulatorCpuMsPerRequest: emuCpu.length
      ? round(median(emuCpu.map((c) => c.msPerRequest)))
      : undefined,
    bareCpuMsPerRequest: bareCpu.length
      ? round(median(bareCpu.map((c) => c.msPerRequest)))
      : undefined,
    // Bare CPU per request / emulator CPU per request: the ratio with the load generator and
    // other load on the machine taken out (what the emulator's own work costs).
    serverCpuRatio:
      emuCpu.length && bareCpu.length
        ? round(
            median(bareCpu.map((c) => c.msPerRequest)) / median(emuCpu.map((c) => c.msPerRequest)),
          )
        : undefined,
    // Kernel time per request (socket writes and reads): the part both servers share.
    emulatorSysMsPerRequest: emuCpu.length
      ? round(median(emuCpu.map((c) => c.sysMsPerRequest)))
      : undefined,
    bareSysMsPerRequest: bareCpu.length
      ? round(median(bareCpu.map((c) => c.sysMsPerRequest)))
      : undefined,
    newConnectionsPerWindow: emuRuns[0].newConnections,
    loadAverage1m: round(loadavg()[0], 2),
    profiled: profile,
  });

  const growth = memAfter && memBefore ? memAfter.rssMb - memBefore.rssMb : undefined;
  emit({
    name: "emulator-memory-100k",
    rssBeforeMb: memBefore && round(memBefore.rssMb, 1),
    rssAfterMb: memAfter && round(memAfter.rssMb, 1),
    rssHalfwayMb: memMid && round(memMid.rssMb, 1),
    growthMb: growth === undefined ? undefined : round(growth, 1),
    peakRssMb: memAfter && round(memAfter.hwmMb, 1),
    target: "< 50 MB growth",
    meetsTarget: growth === undefined ? null : growth < 50 && sustained.requests >= MEMORY_REQUESTS,
    requests: sustained.requests,
    warmupRequests: WARMUP_REQUESTS,
    sustainedRequestsPerSecond: Math.round(sustained.requestsPerSecond),
    // The worse of the two halves.
    sustainedP50Ms: round(sustained.p50Ms),
    sustainedP99Ms: round(sustained.p99Ms),
    emulatorCpuMsPerRequest:
      cpuBefore === undefined
        ? undefined
        : round(((cpuAfter - cpuBefore) / sustained.requests) * 1000),
    ...(growth === undefined ? { note: "no /proc on this platform; memory not measured" } : {}),
  });

  await call({ cmd: "exit" }).catch(() => {});
} finally {
  for (const c of children.reverse()) await stopProcess(c);
  if (profile) {
    for (const [who, dir] of [
      ["the emulator", profileDir],
      ["the bare node:http server", join(profileDir, "bare")],
    ]) {
      const files = existsSync(dir)
        ? readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))
        : [];
      if (files.length === 0) process.stderr.write(`no CPU profile was written for ${who}\n`);
      for (const f of files) {
        process.stderr.write(`\nCPU profile of ${who}: ${join(dir, f)}\n`);
        process.stderr.write(summariseProfile(JSON.parse(readFileSync(join(dir, f), "utf8"))));
      }
    }
  }
  await rm(stateDir, { recursive: true, force: true });
}
