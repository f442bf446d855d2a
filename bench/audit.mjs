// `bb-oidc audit` of an organization of 100 accounts × 50 OIDC roles on the emulator (its own
// process), against a bare SDK listing of the same roles in the same run: per account AssumeRole,
// then ListRoles, and per role GetRole, ListAttachedRolePolicies, ListRolePolicies, GetRolePolicy,
// with the same concurrency (8 accounts, 4 roles each). The audit is the CLI as a user runs it
// (process start, Organizations, reading, every engine decision, the JSON report). Targets: audit
// wall time ≤ 1.3× the listing; the heap the audit still holds at the end (after a full GC) at 100
// accounts ≤ 1.25× at 20 — flat as accounts grow. Peak heap and peak RSS are reported too, and
// the audit's other reading path (GetAccountAuthorizationDetails refused: ListRoles and per-role
// reads) once against the same baseline.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  paginateListRoles,
} from "@aws-sdk/client-iam";
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  STSClient,
} from "@aws-sdk/client-sts";
import { ensureDist, median, startEmulatorProcess, stopProcess } from "./emulator/procs.mjs";
import { emit, round } from "./lib.mjs";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const root = fileURLToPath(new URL("..", import.meta.url));
const ACCOUNTS = Number(process.env.BENCH_AUDIT_ACCOUNTS ?? 100);
const ROLES = Number(process.env.BENCH_AUDIT_ROLES ?? 50);
const SMALL = Math.max(1, Math.round(ACCOUNTS / 5));
const MGMT = "100000000000";
const members = Array.from({ length: ACCOUNTS }, (_, i) => String(400000000000 + i));
const OU_SMALL = "ou-bnch-aaaaaaaa";
const OU_REST = "ou-bnch-bbbbbbbb";
const BITBUCKET = "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
const GITHUB = "token.actions.githubusercontent.com";
const AUDIT_REPO = "{5d2f3a1e-7c4b-4e8a-9f1d-3b6a2c8e4f70}";
const ACCESS_ROLE = "OrganizationAccountAccessRole";

async function pool(items, limit, work) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

function run(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: { PATH: process.env.PATH, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function startEmulator(state) {
  const args = [MGMT, ...members].flatMap((a) => ["--account", a]);
  args.push("--organization", `${OU_SMALL}=${members.slice(0, SMALL).join(",")}`);
  if (ACCOUNTS > SMALL) args.push("--organization", `${OU_REST}=${members.slice(SMALL).join(",")}`);
  // BENCH_AUDIT_PROFILE=dir: the emulator runs from an unminified bundle under --cpu-prof.
  const profile = process.env.BENCH_AUDIT_PROFILE;
  if (!profile) return startEmulatorProcess({ root, stateDir: state, args });
  const { bundleForProfile } = await import("./emulator/profile-summary.mjs");
  const cli = join(profile, "cli-for-profile.mjs");
  await bundleForProfile(root, cli);
  const nodeArgs = ["--cpu-prof", "--cpu-prof-dir", profile];
  return startEmulatorProcess({ root, stateDir: state, args, nodeArgs, cli });
}

const trust = (account, url, conditions) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${url}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: conditions,
      },
    ],
  });

const uuid = (n) => `{${n.toString(16).padStart(8, "0")}-1b5c-4e8f-9a6d-2c0b1e3f5a7d}`;
const INLINE = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::acme-web/*" }],
});

/** 50 roles an account of a platform team might hold: mostly safe, some open, some dead. */
async function seedAccount(iam, account, audience) {
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: `https://${BITBUCKET}`,
      ClientIDList: [audience],
    }),
  );
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: `https://${GITHUB}`,
      ClientIDList: ["sts.amazonaws.com"],
    }),
  );
  const roles = Array.from({ length: ROLES }, (_, i) => i);
  await pool(roles, 4, async (i) => {
    const name = `deploy-${i}`;
    let doc;
    if (i % 50 >= 48)
      doc = trust(account, BITBUCKET, { StringEquals: { [`${BITBUCKET}:aud`]: "someone-else" } });
    else if (i % 50 >= 45)
      doc = trust(account, BITBUCKET, { StringEquals: { [`${BITBUCKET}:aud`]: audience } });
    else if (i % 50 >= 40) {
      doc = trust(account, GITHUB, {
        StringEquals: {
          [`${GITHUB}:aud`]: "sts.amazonaws.com",
          [`${GITHUB}:sub`]: `repo:acme/svc-${i}:environment:production`,
        },
      });
    } else {
      doc = trust(account, BITBUCKET, {
        StringEquals: { [`${BITBUCKET}:aud`]: audience },
        StringLike: { [`${BITBUCKET}:sub`]: `${uuid(i)}:*` },
      });
    }
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: doc }));
    await iam.send(
      new PutRolePolicyCommand({ RoleName: name, PolicyName: "deploy", PolicyDocument: INLINE }),
    );
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: name,
        PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
      }),
    );
  });
}

/** The baseline: what any tool must do to read these roles, and nothing more. */
async function bareListing(endpoint, session, accounts) {
  const stsClient = new STSClient({ endpoint, region: "us-east-1", credentials: session });
  let roles = 0;
  await pool(accounts, 8, async (account) => {
    const c = (
      await stsClient.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${account}:role/${ACCESS_ROLE}`,
          RoleSessionName: "listing",
        }),
      )
    ).Credentials;
    const iam = new IAMClient({
      endpoint,
      region: "us-east-1",
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      },
    });
    const listed = [];
    for await (const page of paginateListRoles({ client: iam, pageSize: 1000 }, {}))
      listed.push(...page.Roles);
    await pool(listed, 4, async (r) => {
      const RoleName = r.RoleName;
      const [, , names] = await Promise.all([
        iam.send(new GetRoleCommand({ RoleName })),
        iam.send(new ListAttachedRolePoliciesCommand({ RoleName })),
        iam.send(new ListRolePoliciesCommand({ RoleName })),
      ]);
      for (const PolicyName of names.PolicyNames ?? [])
        await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }));
      roles++;
    });
    iam.destroy();
  });
  stsClient.destroy();
  return roles;
}

/** The next GetAccountAuthorizationDetails of every account (members and management) is refused. */
async function refuseDetails(endpoint) {
  const r = await fetch(`${endpoint}/_emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      service: "iam",
      action: "GetAccountAuthorizationDetails",
      status: 403,
      code: "AccessDenied",
      message: "not authorized to perform: iam:GetAccountAuthorizationDetails",
      count: ACCOUNTS + 1,
    }),
  });
  if (!r.ok) throw new Error(`faults: ${r.status} ${await r.text()}`);
}

/**
 * BENCH_AUDIT_PROFILE_AUDIT=dir: the listing-path audits run from an unminified bundle under
 * --cpu-prof (summarise with bench/emulator/profile-summary.mjs).
 */
async function auditEntry(profiled) {
  const dir = process.env.BENCH_AUDIT_PROFILE_AUDIT;
  if (!profiled || !dir) return ["dist/cli.cjs"];
  const { bundleForProfile } = await import("./emulator/profile-summary.mjs");
  const entry = join(dir, "cli-for-profile.mjs");
  await bundleForProfile(root, entry);
  return ["--cpu-prof", "--cpu-prof-dir", dir, entry];
}

/** The CLI as a scheduled pipeline runs it; GNU time reports the process's peak RSS. */
async function audit(endpoint, session, extra, out, memory = false, profiled = false) {
  const entry = await auditEntry(profiled);
  const started = process.hrtime.bigint();
  const r = await run(
    "/usr/bin/time",
    [
      "-f",
      "maxrss=%M",
      process.execPath,
      ...entry,
      "audit",
      "--organization",
      "--assume-role-name",
      ACCESS_ROLE,
      "--endpoint-url",
      endpoint,
      "--format",
      "json",
      "--out",
      out,
      "--no-progress",
      ...extra,
    ],
    {
      AWS_ACCESS_KEY_ID: session.accessKeyId,
      AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
      AWS_SESSION_TOKEN: session.sessionToken,
      AWS_REGION: "us-east-1",
      HOME: tmpdir(),
      ...(memory
        ? { NODE_OPTIONS: `--expose-gc --require ${join(root, "bench/audit-memory.cjs")}` }
        : {}),
    },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.code !== 0) throw new Error(`audit exited ${r.code}: ${r.stderr.slice(-500)}`);
  const report = JSON.parse(await readFile(out, "utf8"));
  const rssKb = Number(/maxrss=(\d+)/.exec(r.stderr)?.[1]);
  const heap = /bb-oidc-bench-memory (\{.*\})/.exec(r.stderr)?.[1];
  return { ms, rssMb: rssKb / 1024, report, ...(heap ? { heap: JSON.parse(heap) } : {}) };
}

ensureDist(root);
const state = await mkdtemp(join(tmpdir(), "bb-oidc-bench-audit-"));
const { child, ready } = await startEmulator(state);
try {
  const endpoint = ready.awsEndpoint;
  const byId = new Map(ready.accounts.map((a) => [a.id, a]));
  const ws = ready.workspaces.find((w) => w.slug === "acme");
  const audience = `ari:cloud:bitbucket::workspace/${ws.uuid.slice(1, -1)}`;
  const iamOf = (account) => {
    const a = byId.get(account);
    return new IAMClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey },
    });
  };
  const seedStart = Date.now();
  await pool(members, 8, (account) => seedAccount(iamOf(account), account, audience));
  // The auditor: a pipeline of the management account (an account's root may not assume roles).
  const mgmt = iamOf(MGMT);
  await mgmt.send(
    new CreateOpenIDConnectProviderCommand({
      Url: `https://${BITBUCKET}`,
      ClientIDList: [audience],
    }),
  );
  await mgmt.send(
    new CreateRoleCommand({
      RoleName: "security-audit",
      AssumeRolePolicyDocument: trust(MGMT, BITBUCKET, {
        StringEquals: { [`${BITBUCKET}:aud`]: audience },
        StringLike: { [`${BITBUCKET}:sub`]: `${AUDIT_REPO}:*` },
      }),
      MaxSessionDuration: 43200,
    }),
  );
  const minted = await run(process.execPath, [
    "dist/cli.cjs",
    "emulator",
    "mint",
    "--endpoint",
    ready.bitbucketEndpoint,
    "--ca-file",
    ready.caFile,
    "--workspace",
    "acme",
    "--repository-uuid",
    AUDIT_REPO,
  ]);
  if (minted.code !== 0) throw new Error(`mint failed: ${minted.stderr}`);
  const c = (
    await new STSClient({
      endpoint,
      region: "us-east-1",
      credentials: async () => ({ accessKeyId: "x", secretAccessKey: "x" }),
    }).send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: `arn:aws:iam::${MGMT}:role/security-audit`,
        RoleSessionName: "bench",
        WebIdentityToken: minted.stdout.trim(),
        DurationSeconds: 43200,
      }),
    )
  ).Credentials;
  const session = {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
  };
  const seedMs = Date.now() - seedStart;

  const out = join(state, "report.json");
  const listingMs = [];
  const auditMs = [];
  const listingPathMs = [];
  let listingPathReadWith;
  let report;
  let listed = 0;
  for (let i = 0; i < Number(process.env.BENCH_AUDIT_ROUNDS ?? 3); i++) {
    const t0 = process.hrtime.bigint();
    listed = await bareListing(endpoint, session, members);
    listingMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const a = await audit(endpoint, session, [], out);
    auditMs.push(a.ms);
    report = a.report;
    // The other reading path: GetAccountAuthorizationDetails refused (a policy without it), so
    // the audit lists roles and reads each one — the baseline's calls, plus the decisions.
    await refuseDetails(endpoint);
    const l = await audit(endpoint, session, [], out, false, true);
    listingPathMs.push(l.ms);
    listingPathReadWith = [...new Set(l.report.accounts.map((x) => x.readWith))];
  }
  const small = await audit(endpoint, session, ["--ou", OU_SMALL], out, true);
  const large = await audit(endpoint, session, [], out, true);
  const timeRatio = median(auditMs) / median(listingMs);
  // Flat memory: what the audit still holds at the end (after a full GC) at 100 accounts against
  // 20. Peak RSS also counts garbage V8 has not collected yet, which grows with the run's length.
  const mb = (bytes) => round(bytes / 1048576, 1);
  const memoryRatio = large.heap.retainedHeap / small.heap.retainedHeap;
  const expectedRoles = ACCOUNTS * ROLES;
  const at = (x) => ({ [`${SMALL} accounts`]: x(small), [`${ACCOUNTS} accounts`]: x(large) });
  emit({
    suite: "audit",
    accounts: ACCOUNTS,
    rolesPerAccount: ROLES,
    seedSeconds: round(seedMs / 1000, 1),
    listingSeconds: listingMs.map((x) => round(x / 1000, 2)),
    auditSeconds: auditMs.map((x) => round(x / 1000, 2)),
    readWith: [...new Set(report.accounts.map((a) => a.readWith))],
    oidcRolesAudited: report.summary.oidcRoles,
    rolesListed: listed,
    findings: report.summary.findings,
    auditVsListing: round(timeRatio),
    listingPathSeconds: listingPathMs.map((x) => round(x / 1000, 2)),
    listingPathReadWith,
    listingPathVsListing: round(median(listingPathMs) / median(listingMs)),
    retainedHeapMb: at((r) => mb(r.heap.retainedHeap)),
    peakHeapMb: at((r) => mb(r.heap.peakHeap)),
    peakRssMb: at((r) => round(r.rssMb, 1)),
    retainedHeap100vs20: round(memoryRatio),
    target:
      "audit wall time <= 1.3x the bare listing; heap retained at 100 accounts <= 1.25x at 20",
    meetsTarget:
      timeRatio <= 1.3 && memoryRatio <= 1.25 && report.summary.oidcRoles >= expectedRoles,
  });
} finally {
  await stopProcess(child);
  await rm(state, { recursive: true, force: true });
}
