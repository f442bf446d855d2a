// Process plumbing for the benchmarks: the emulator as a child (`bb-oidc emulator --json`),
// IPC helpers for forked helpers, and /proc readings (resident memory, CPU time) of a pid.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";

/**
 * Starts `node [nodeArgs] dist/cli.cjs emulator --json [args]` and resolves with the ready line
 * (plus the child and its collected stderr) once it printed it. Rejects if it exits or is silent
 * for 30 s. `args`: more emulator flags (`--account`, `--organization`).
 */
export function startEmulatorProcess({
  root,
  stateDir,
  nodeArgs = [],
  cli = "dist/cli.cjs",
  args = [],
}) {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      cli,
      "emulator",
      "--aws-port",
      "0",
      "--bitbucket-port",
      "0",
      "--json",
      "--state",
      stateDir,
      ...args,
    ],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    },
  );
  const stderr = { text: "" };
  child.stderr.on("data", (d) => {
    // Keep the tail only: an emulator logging an error per request must not fill our memory.
    stderr.text = (stderr.text + d.toString()).slice(-20_000);
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`emulator printed no ready line within 30 s; stderr: ${stderr.text}`));
    }, 30_000);
    const onExit = (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${code ?? signal}) before it was ready: ${stderr.text}`));
    };
    child.once("exit", onExit);
    child.stdout.on("data", (d) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl === -1) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      child.stdout.removeAllListeners("data");
      child.stdout.resume();
      try {
        resolve({ child, stderr, ready: JSON.parse(out.slice(0, nl)) });
      } catch (err) {
        child.kill("SIGKILL");
        reject(new Error(`emulator ready line is not JSON: ${out.slice(0, nl)} (${err.message})`));
      }
    });
  });
}

/** SIGTERM (a clean close, which also writes a --cpu-prof profile), SIGKILL after `graceMs`. */
export function stopProcess(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Request/response over a forked child's IPC channel, matched by id. */
export function ipcClient(child) {
  let next = 0;
  const waiting = new Map();
  child.on("message", (msg) => {
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.ok) w.resolve(msg.result);
    else w.reject(new Error(msg.error));
  });
  child.once("exit", (code, signal) => {
    for (const w of waiting.values()) w.reject(new Error(`helper exited (${code ?? signal})`));
    waiting.clear();
  });
  return (msg) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve, reject });
      child.send({ ...msg, id });
    });
}

/** VmRSS and VmHWM (peak) of a process in MB, or undefined where /proc is not available. */
export function memoryOf(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024 };
}

/** User and system CPU seconds a process has used so far, or undefined without /proc. */
export function cpuTimesOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // USER_HZ is 100 on Linux.
    return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 };
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds a process has used so far, or undefined without /proc. */
export function cpuSecondsOf(pid) {
  const t = cpuTimesOf(pid);
  return t && t.user + t.sys;
}

/** POST JSON over HTTPS trusting only `ca` (the emulator's admin endpoints). */
export function postJsonTls(url, body, ca) {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: "POST",
        ca,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}: ${text}`));
          else resolve(JSON.parse(text));
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${url}: timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Builds dist/ when it is missing (a bench run from a fresh checkout). */
export function ensureDist(root) {
  if (existsSync(join(root, "dist/cli.cjs"))) return;
  const b = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) throw new Error("build failed");
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
