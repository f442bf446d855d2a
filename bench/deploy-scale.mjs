// `bb-oidc deploy --config` at platform scale, through the emulator: the wall time of the whole
// deploy (a fresh CLI process: plan, S3 uploads, StackSets, instances in 3 accounts, polling) for
// a config of 100 roles and one of 1,000 roles, each against a fresh `bb-oidc emulator` process
// at its default pacing. The figure is the per-role time at 1,000 roles against the per-role time
// at 100.
//
// Target (issue 14): per-role time at 1,000 roles ≤ 1.2 × per-role time at 100 — a deployment
// ten times larger may cost at most 12 times as long.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { startEmulatorProcess, stopProcess } from "./emulator/procs.mjs";
import { emit, round } from "./lib.mjs";
import { generateConfig } from "./provision.mjs";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const root = fileURLToPath(new URL("..", import.meta.url));
const ADMIN = "100000000000";
/** generateConfig spreads roles over these three accounts in turn. */
const TARGETS = ["111111111111", "111111111112", "111111111113"];
const MAX_RATIO = 1.2;

/** One deployment of `n` roles into a fresh emulator; the deploy process's wall time in ms. */
async function deployOnce(n) {
  const state = await mkdtemp(join(tmpdir(), "bb-oidc-bench-deploy-"));
  const { child, ready } = await startEmulatorProcess({
    root,
    stateDir: join(state, "emulator"),
    args: [ADMIN, ...TARGETS].flatMap((a) => ["--account", a]),
  });
  try {
    const admin = ready.accounts.find((a) => a.id === ADMIN);
    const credentials = { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey };
    const s3 = new S3Client({
      endpoint: ready.awsEndpoint,
      region: "us-east-1",
      credentials,
      forcePathStyle: true,
    });
    await s3.send(new CreateBucketCommand({ Bucket: "bench-templates" }));
    s3.destroy();
    const config = join(state, "bb-oidc.yaml");
    await writeFile(config, generateConfig(n));
    const started = process.hrtime.bigint();
    const r = spawnSync(
      process.execPath,
      [
        "dist/cli.cjs",
        "deploy",
        "--config",
        config,
        "--stack-name",
        "bench",
        "--s3-bucket",
        "bench-templates",
        "--yes",
        "--format",
        "json",
      ],
      {
        cwd: root,
        encoding: "utf8",
        maxBuffer: 1 << 26,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: state,
          AWS_ACCESS_KEY_ID: admin.accessKeyId,
          AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
          AWS_REGION: "us-east-1",
          AWS_ENDPOINT_URL: ready.awsEndpoint,
          AWS_EC2_METADATA_DISABLED: "true",
        },
      },
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status !== 0) throw new Error(`deploy of ${n} roles failed:\n${r.stdout}\n${r.stderr}`);
    const out = JSON.parse(r.stdout);
    const units = out.plan.units.length;
    return { ms, units };
  } finally {
    await stopProcess(child);
    await rm(state, { recursive: true, force: true });
  }
}

const runs = Number(process.env.BB_OIDC_BENCH_RUNS ?? 1);
const best = async (n) => {
  let out;
  for (let i = 0; i < runs; i++) {
    const m = await deployOnce(n);
    if (!out || m.ms < out.ms) out = m;
  }
  return out;
};
const at100 = await best(100);
const at1000 = await best(1000);
const perRole100 = at100.ms / 100;
const perRole1000 = at1000.ms / 1000;
const ratio = perRole1000 / perRole100;
emit({
  name: "deploy-config-scale",
  ms100: round(at100.ms, 1),
  ms1000: round(at1000.ms, 1),
  units100: at100.units,
  units1000: at1000.units,
  perRoleMs100: round(perRole100, 2),
  perRoleMs1000: round(perRole1000, 2),
  ratio: round(ratio),
  target: `per-role deploy time at 1,000 roles <= ${MAX_RATIO} x per-role time at 100`,
  meetsTarget: ratio <= MAX_RATIO,
});
