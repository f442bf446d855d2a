// Cold start of a pipeline step's `bb-oidc credentials` against the emulator, from the npm
// install and from the single executable (built here by scripts/build-sea.mjs), against the
// floor (`node -e ''`) and, where installed, the AWS CLI doing the same exchange on the same token.
// A yardstick runs beside them: bench/minimal-exchange.cjs, the same exchange in twenty lines of
// node:http, the least any Node program pays for it (Node's HTTP stack and STS's answer included).
// Runs alternate A, B, C, A, B, C… so drift in machine load hits all alike; medians are compared.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { postJsonTls, startEmulatorProcess, stopProcess } from "./emulator/procs.mjs";
import { emit, round } from "./lib.mjs";

// The pinned SDK warns on Node 20 that later releases need Node 22; noise on a bench's stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const root = fileURLToPath(new URL("..", import.meta.url));
const RUNS = 15;
const REPO = "{0b6f3c2e-9d41-4a7e-8c15-3e2f1d0a9b87}";
const ROLE_ARN = "arn:aws:iam::111111111111:role/deploy";

const state = mkdtempSync(join(tmpdir(), "bb-oidc-bench-start-"));
const seaDir = mkdtempSync(join(tmpdir(), "bb-oidc-bench-sea-"));
const sea = spawnSync(process.execPath, ["scripts/build-sea.mjs", "--out", seaDir], {
  cwd: root,
  encoding: "utf8",
});
const seaBuild = sea.status === 0 ? JSON.parse(sea.stdout.trim().split("\n").pop()) : undefined;
const emulator = await startEmulatorProcess({ root, stateDir: state });
try {
  const { ready } = emulator;
  const ws = ready.workspaces[0];
  const host = ws.issuer.slice("https://".length);
  const audience = `ari:cloud:bitbucket::workspace/${ws.uuid.replace(/[{}]/g, "")}`;
  const { accessKeyId, secretAccessKey } = ready.accounts[0];
  const iam = new IAMClient({
    endpoint: ready.awsEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId, secretAccessKey },
  });
  await iam.send(
    new CreateOpenIDConnectProviderCommand({ Url: ws.issuer, ClientIDList: [audience] }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: "deploy",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::111111111111:oidc-provider/${host}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { [`${host}:aud`]: audience },
              StringLike: { [`${host}:sub`]: `${REPO}:*` },
            },
          },
        ],
      }),
    }),
  );
  iam.destroy();
  const { token } = await postJsonTls(
    `${ready.bitbucketEndpoint}/_emulator/mint`,
    { workspace: ws.slug, repositoryUuid: REPO, ttlSeconds: 3600 },
    readFileSync(ready.caFile),
  );
  const tokenFile = join(state, "token");
  writeFileSync(tokenFile, token, { mode: 0o600 });

  // A clean environment: no credentials or profiles of the machine running the bench.
  const env = {
    PATH: process.env.PATH,
    HOME: state,
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const credentialsArgs = [
    "credentials",
    "--role-arn",
    ROLE_ARN,
    "--token",
    `@${tokenFile}`,
    "--endpoint-url",
    ready.awsEndpoint,
    "--format",
    "json",
  ];
  const commands = {
    bbOidc: [process.execPath, [join(root, "dist/cli.cjs"), ...credentialsArgs]],
    ...(seaBuild ? { singleExecutable: [seaBuild.executable, credentialsArgs] } : {}),
    nodeFloor: [process.execPath, ["-e", ""]],
    minimalExchange: [
      process.execPath,
      [join(root, "bench/minimal-exchange.cjs"), ready.awsEndpoint, ROLE_ARN, tokenFile],
    ],
  };
  const awsCli = spawnSync("aws", ["--version"], { encoding: "utf8" });
  if (awsCli.status === 0) {
    commands.awsCli = [
      "aws",
      [
        "sts",
        "assume-role-with-web-identity",
        "--endpoint-url",
        ready.awsEndpoint,
        "--role-arn",
        ROLE_ARN,
        "--role-session-name",
        "bench",
        "--web-identity-token",
        `file://${tokenFile}`,
      ],
    ];
  }
  // Warm the emulator's JIT first: its answer time is part of what the CLI waits for, and a
  // pipeline talks to an STS that has long been warm.
  for (let i = 0; i < 20; i++) spawnSync(commands.bbOidc[0], commands.bbOidc[1], { env });
  // Which start-up the measured runs take (the launcher says so under --debug).
  const probe = spawnSync(commands.bbOidc[0], [...commands.bbOidc[1], "--debug"], {
    env,
    encoding: "utf8",
  });
  const startup = /bb-oidc: start-up: (.*)/.exec(probe.stderr)?.[1] ?? "full CLI";
  const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < RUNS + 1; i++) {
    for (const [name, [cmd, args]] of Object.entries(commands)) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(cmd, args, { env, encoding: "utf8" });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0)
        throw new Error(`${name} failed (${r.status}): ${r.stderr.slice(0, 500)}`);
      if (name !== "nodeFloor" && !r.stdout.includes("ASIA"))
        throw new Error(`${name} printed no credentials`);
      if (i > 0) times[name].push(ms); // the first round warms the disk cache
    }
  }
  const packedSize = () => {
    const npm = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: root,
      encoding: "utf8",
    });
    try {
      return JSON.parse(npm.stdout)[0].size;
    } catch {
      return "npm pack failed";
    }
  };
  const size = (f) => (existsSync(join(root, f)) ? statSync(join(root, f)).size : 0);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  // Code only; the source maps beside it are counted in the tarball.
  const SDK_CHUNK = "chunks/pipeline-sdk";
  const chunks = readdirSync(join(root, "dist/chunks"))
    .filter((f) => !f.endsWith(".map") && !`chunks/${f}`.startsWith(SDK_CHUNK))
    .reduce((s, f) => s + statSync(join(root, "dist/chunks", f)).size, 0);
  // Ratios are taken round by round (A and B ran back to back), then the median: load that
  // drifts during the run moves both sides of a pair alike.
  const pairRatio = (a, b) => median(times[a].map((x, i) => x / times[b][i]));
  const vsFloor = pairRatio("bbOidc", "nodeFloor");
  const minimalVsFloor = pairRatio("minimalExchange", "nodeFloor");
  const vsAws = m.awsCli ? pairRatio("bbOidc", "awsCli") : undefined;
  const seaVsFloor = m.singleExecutable ? pairRatio("singleExecutable", "nodeFloor") : undefined;
  const seaVsNpm = m.singleExecutable ? pairRatio("singleExecutable", "bbOidc") : undefined;
  const seaVsAws =
    m.singleExecutable && m.awsCli ? pairRatio("singleExecutable", "awsCli") : undefined;
  const within = (r, limit) => r === undefined || r <= limit;
  emit({
    name: "cli-cold-start-credentials",
    bbOidcMs: round(m.bbOidc, 1),
    nodeFloorMs: round(m.nodeFloor, 1),
    ...(m.awsCli ? { awsCliMs: round(m.awsCli, 1) } : { awsCli: "not installed" }),
    ratioVsNodeFloor: round(vsFloor, 2),
    minimalNodeExchange: {
      ms: round(m.minimalExchange, 1),
      ratioVsNodeFloor: round(minimalVsFloor, 2),
      ratioBbOidcVsIt: round(pairRatio("bbOidc", "minimalExchange"), 2),
      note: "bench/minimal-exchange.cjs: the exchange with node:http and nothing else; no Node client can start below it",
    },
    startup,
    ...(vsAws !== undefined ? { ratioVsAwsCli: round(vsAws, 2) } : {}),
    singleExecutable: seaBuild
      ? {
          ms: round(m.singleExecutable, 1),
          ratioVsNodeFloor: round(seaVsFloor, 2),
          ratioVsNpmInstall: round(seaVsNpm, 2),
          ...(seaVsAws !== undefined ? { ratioVsAwsCli: round(seaVsAws, 2) } : {}),
          bytes: seaBuild.bytes,
          stripped: seaBuild.stripped,
          buildSeconds: seaBuild.seconds,
        }
      : { error: (sea.stderr || sea.stdout).trim().split("\n").slice(-3).join("\n") },
    bundle: {
      // What `npx bb-oidc` downloads: the package tarball.
      packageTarballBytes: packedSize(),
      launcherBytes: size("dist/cli.cjs"),
      pipelineBundleBytes: size("dist/pipeline.cjs"),
      pipelineCodeCacheBytes: size("dist/pipeline.cache"),
      // Loaded only for signed calls (--chain, --from-env-credentials) and diagnoses.
      pipelineSdkChunkBytes: size(`dist/${SDK_CHUNK}.cjs`),
      pipelineSdkCodeCacheBytes: size(`dist/${SDK_CHUNK}.cache`),
      fullCliBytes: size("dist/main.mjs") + chunks,
      note: "self-contained: no runtime dependencies. credentials/exec/configure run from one bundle started with a V8 code cache, its web-identity exchange with bb-oidc's own STS client; the AWS SDK is a chunk of its own with its own cache, loaded for signed calls; other commands load their chunks of the full CLI; the CLI's source maps are included",
    },
    target:
      "npm install and single executable each <= 1.5x node -e '' and <= 0.1x the aws CLI; the executable no slower than the npm install",
    meetsTarget:
      seaBuild !== undefined &&
      vsFloor <= 1.5 &&
      seaVsFloor <= 1.5 &&
      within(vsAws, 0.1) &&
      within(seaVsAws, 0.1) &&
      seaVsNpm <= 1.05,
  });
} finally {
  await stopProcess(emulator.child);
  rmSync(state, { recursive: true, force: true });
  rmSync(seaDir, { recursive: true, force: true });
}
