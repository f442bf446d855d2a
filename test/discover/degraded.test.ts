/**
 * `discover` where the ip-ranges feed cannot be read (offline runners, closed networks): a
 * warning and a marked gap, never an empty output; `--out` writes only what succeeded; with
 * `--api-base` at the emulator, the emulator's own feed is the default.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fillPlaceholders } from "../../src/discover/index.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { loadConfig } from "../../src/provision/config/index.js";
import { ensureBuilt } from "../support/built-cli.js";
import { ISSUER, runCli, startWorld, WORKSPACE_UUID, type World } from "./world.js";

let world: World;
/** A port nothing answers on: bound, then closed. */
let deadPort: number;

beforeAll(async () => {
  ensureBuilt();
  world = await startWorld();
  deadPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}, 120_000);

afterAll(async () => {
  await world?.close();
});

/** discover against the world with a feed that cannot be read. */
const withDeadFeed = (...args: string[]) =>
  runCli([
    "discover",
    "--workspace",
    "acme",
    "--api-base",
    world.apiBase,
    "--ca-file",
    world.caFile,
    "--ip-ranges-url",
    `https://127.0.0.1:${deadPort}/ip-ranges.json`,
    "--timeout",
    "3000",
    ...args,
  ]);

describe("an unreachable ip-ranges feed", () => {
  it("is a warning and a marked gap in the text report (exit 0, everything else there)", async () => {
    const r = await withDeadFeed();
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(ISSUER);
    expect(r.stdout).toContain(WORKSPACE_UUID);
    expect(r.stdout).toContain("IAM thumbprint");
    expect(r.stdout).toContain(
      `Pipelines egress ranges (https://127.0.0.1:${deadPort}/ip-ranges.json)`,
    );
    expect(r.stdout).toContain("NOT AVAILABLE:");
    expect(r.stdout).toContain("! IP_RANGES_UNAVAILABLE:");
  });

  it("is in the JSON report as ipRangesUnavailable", async () => {
    const r = await withDeadFeed("--json");
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ipRanges).toBeUndefined();
    expect(report.ipRangesUnavailable.url).toBe(`https://127.0.0.1:${deadPort}/ip-ranges.json`);
    expect(report.warnings.map((w: { code: string }) => w.code)).toContain("IP_RANGES_UNAVAILABLE");
  });

  it("leaves a config skeleton that loads, with the gap marked and the warning on stderr", async () => {
    const r = await withDeadFeed("--format", "config");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("# GAP: the egress ranges could not be read");
    expect(r.stderr).toContain("bb-oidc: warning: Pipelines' egress ranges could not be read");
    const filled = fillPlaceholders(r.stdout, {
      "<ROLE_NAME>": "deploy-acme",
      "<AWS_ACCOUNT_ID>": "111111111111",
      "<REPOSITORY_UUID>": "{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}",
      "<S3_BUCKET>": "acme-site",
    });
    expect(loadConfig(filled, "bb-oidc.yaml").workspace.uuid).toBe(WORKSPACE_UUID);
  });
});

describe("--out", () => {
  it("writes the output when discover succeeds, and nothing when it fails", async () => {
    const ok = join(world.dir, "ok.yaml");
    const r = await withDeadFeed("--format", "config", "--out", ok);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("");
    expect(readFileSync(ok, "utf8")).toContain(ISSUER);

    const failed = join(world.dir, "failed.yaml");
    const f = await runCli([
      "discover",
      "--workspace",
      "acme",
      "--api-base",
      `https://127.0.0.1:${deadPort}`,
      "--timeout",
      "2000",
      "--format",
      "config",
      "--out",
      failed,
    ]);
    expect(f.exitCode).toBe(1);
    expect(existsSync(failed)).toBe(false);
  });
});

describe("--api-base at the emulator", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ awsPort: 0, bitbucketPort: 0, workspaces: ["acme"] });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("reads the emulator's feed without --ip-ranges-url, never the public one", async () => {
    const r = await runCli([
      "discover",
      "--workspace",
      "acme",
      "--api-base",
      emu.bitbucketEndpoint,
      "--ca-file",
      emu.caFile,
      "--json",
    ]);
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ipRanges.url).toBe(`${emu.bitbucketEndpoint}/ip-ranges.json`);
    expect(report.ipRanges.egress.length).toBeGreaterThan(0);
    expect(report.warnings).toEqual([]);
  });
});
