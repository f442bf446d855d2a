/**
 * Emulator-level durability: the real emulator process, the real IAM SDK, SIGKILL mid-burst.
 * Every write the emulator acknowledged (answered with a success) must be served after a restart
 * on the same state directory; a write that was in flight when the process died must be either
 * entirely there or entirely absent.
 */
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanUp,
  decodePolicy,
  type EmulatorProcess,
  iamFor,
  inlinePolicy,
  prepareCli,
  startEmulator,
  tempDir,
  thumbprintFor,
  trustPolicy,
} from "./helpers.js";

const ACCOUNT = "111111111111";
/** Writes kept in flight at once during a burst. */
const IN_FLIGHT = 24;
/** IAM allows 100 OIDC providers per account; stay well under it across rounds. */
const MAX_PROVIDERS = 70;

type Outcome = "pending" | "acked" | "failed";

interface RoleWrite {
  kind: "role";
  id: number;
  name: string;
  trust: string;
  description: string;
  maxSessionDuration: number;
  outcome: Outcome;
  error?: string;
}
interface ProviderWrite {
  kind: "provider";
  id: number;
  url: string;
  arn: string;
  clientIds: string[];
  thumbprint: string;
  outcome: Outcome;
  error?: string;
}
interface PolicyWrite {
  kind: "policy";
  id: number;
  roleName: string;
  policyName: string;
  document: string;
  outcome: Outcome;
  error?: string;
}
type Write = RoleWrite | ProviderWrite | PolicyWrite;

let cli: string;

beforeAll(async () => {
  cli = await prepareCli();
}, 120_000);

afterAll(cleanUp);

function nextWrite(id: number, writes: Write[], ackedRoles: string[]): Write {
  const providers = writes.filter((w) => w.kind === "provider").length;
  const slot = id % 6;
  if (slot === 3 && providers < MAX_PROVIDERS) {
    const host = `oidc${id}.durability.test`;
    return {
      kind: "provider",
      id,
      url: `https://${host}/issuer`,
      arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${host}/issuer`,
      clientIds: [`aud-${id}`, "sts.amazonaws.com"],
      thumbprint: thumbprintFor(id),
      outcome: "pending",
    };
  }
  if ((slot === 4 || slot === 5) && ackedRoles.length > 0) {
    return {
      kind: "policy",
      id,
      // Only roles the emulator acknowledged: the policy write itself must not fail.
      roleName: ackedRoles[Math.floor(Math.random() * ackedRoles.length)]!,
      policyName: `p${id}`,
      document: inlinePolicy(id),
      outcome: "pending",
    };
  }
  return {
    kind: "role",
    id,
    name: `r${id}`,
    trust: trustPolicy(ACCOUNT, id),
    description: `role number ${id}`,
    maxSessionDuration: 3600 + (id % 10) * 60,
    outcome: "pending",
  };
}

function send(iam: IAMClient, w: Write): Promise<unknown> {
  switch (w.kind) {
    case "role":
      return iam.send(
        new CreateRoleCommand({
          RoleName: w.name,
          AssumeRolePolicyDocument: w.trust,
          Description: w.description,
          MaxSessionDuration: w.maxSessionDuration,
          Tags: [{ Key: "id", Value: String(w.id) }],
        }),
      );
    case "provider":
      return iam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: w.url,
          ClientIDList: w.clientIds,
          ThumbprintList: [w.thumbprint],
        }),
      );
    case "policy":
      return iam.send(
        new PutRolePolicyCommand({
          RoleName: w.roleName,
          PolicyName: w.policyName,
          PolicyDocument: w.document,
        }),
      );
  }
}

interface BurstResult {
  ackedBeforeKill: number;
  pendingAtKill: number;
  ackedAfterKill: number;
  failedBeforeKill: string[];
}

/**
 * Keeps IN_FLIGHT writes going until `ackTarget` more of them were acknowledged, then SIGKILLs
 * the emulator with the rest still in flight, and waits for every outstanding write to settle.
 */
async function burstAndKill(
  emu: EmulatorProcess,
  writes: Write[],
  ackTarget: number,
): Promise<BurstResult> {
  const iam = iamFor(emu);
  const ackedRoles = writes.filter(
    (w) => w.kind === "role" && w.outcome === "acked",
  ) as RoleWrite[];
  const ackedRoleNames = ackedRoles.map((r) => r.name);
  let acked = 0;
  let killed = false;
  let pendingAtKill = 0;
  let ackedBeforeKill = 0;
  let ackedAfterKill = 0;
  let killing: Promise<void> | undefined;
  const failedBeforeKill: string[] = [];

  const worker = async () => {
    while (!killed) {
      const w = nextWrite(writes.length, writes, ackedRoleNames);
      writes.push(w);
      try {
        await send(iam, w);
        w.outcome = "acked";
        if (killed) ackedAfterKill++;
        else {
          acked++;
          if (w.kind === "role") ackedRoleNames.push(w.name);
        }
      } catch (err) {
        w.outcome = "failed";
        w.error = `${(err as Error).name}: ${(err as Error).message}`;
        // Before the kill every write must succeed: a failure there is a broken test (or a
        // broken emulator), not a durability finding.
        if (!killed) failedBeforeKill.push(`${w.kind} ${w.id}: ${w.error}`);
      }
      if (!killed && acked >= ackTarget) {
        killed = true;
        ackedBeforeKill = acked;
        pendingAtKill = writes.filter((x) => x.outcome === "pending").length;
        killing = emu.kill();
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await killing;
  iam.destroy();
  return { ackedBeforeKill, pendingAtKill, ackedAfterKill, failedBeforeKill };
}

/** Runs `fn` over `items` with bounded concurrency. */
async function eachLimited<T>(items: T[], limit: number, fn: (t: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function notFound(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (err) {
    if ((err as Error).name === "NoSuchEntityException") return true;
    throw err;
  }
}

async function listAll<T>(
  page: (marker: string | undefined) => Promise<{ items: T[]; marker?: string }>,
): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const r = await page(marker);
    all.push(...r.items);
    marker = r.marker;
  } while (marker !== undefined);
  return all;
}

/**
 * Acknowledged writes: served, every field as written. Unacknowledged ones: absent, or present
 * with every field as written (never a partial record). Lists agree with single reads.
 */
async function verify(iam: IAMClient, writes: Write[]): Promise<{ unackedPresent: number }> {
  let unackedPresent = 0;
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  /** Absent is fine for an unacknowledged write and a loss for an acknowledged one. */
  const absent = async (get: Promise<unknown>, acked: boolean, what: string) => {
    if (!(await notFound(get))) return false;
    if (acked) problems.push(`acknowledged ${what} is missing`);
    return true;
  };

  await eachLimited(writes, 12, async (w) => {
    const acked = w.outcome === "acked";
    if (w.kind === "role") {
      const get = iam.send(new GetRoleCommand({ RoleName: w.name }));
      if (await absent(get, acked, `role ${w.name}`)) return;
      const role = (await get).Role!;
      if (!acked) unackedPresent++;
      check(role.RoleName === w.name, `${w.name}: name ${role.RoleName}`);
      check(role.Arn === `arn:aws:iam::${ACCOUNT}:role/${w.name}`, `${w.name}: arn ${role.Arn}`);
      check(
        JSON.stringify(decodePolicy(role.AssumeRolePolicyDocument)) === w.trust,
        `${w.name}: trust policy ${role.AssumeRolePolicyDocument}`,
      );
      check(role.Description === w.description, `${w.name}: description ${role.Description}`);
      check(
        role.MaxSessionDuration === w.maxSessionDuration,
        `${w.name}: max session ${role.MaxSessionDuration}`,
      );
      check(
        JSON.stringify(role.Tags) === JSON.stringify([{ Key: "id", Value: String(w.id) }]),
        `${w.name}: tags ${JSON.stringify(role.Tags)}`,
      );
      check(/^AROA[A-Z2-7]{17}$/.test(role.RoleId ?? ""), `${w.name}: role id ${role.RoleId}`);
    } else if (w.kind === "provider") {
      const get = iam.send(
        new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: w.arn }),
      );
      if (await absent(get, acked, `provider ${w.arn}`)) return;
      const p = await get;
      if (!acked) unackedPresent++;
      check(p.Url === w.url.slice("https://".length), `${w.arn}: url ${p.Url}`);
      check(
        JSON.stringify(p.ClientIDList) === JSON.stringify(w.clientIds),
        `${w.arn}: client ids ${JSON.stringify(p.ClientIDList)}`,
      );
      check(
        JSON.stringify(p.ThumbprintList) === JSON.stringify([w.thumbprint]),
        `${w.arn}: thumbprints ${JSON.stringify(p.ThumbprintList)}`,
      );
    } else {
      const get = iam.send(
        new GetRolePolicyCommand({ RoleName: w.roleName, PolicyName: w.policyName }),
      );
      if (await absent(get, acked, `inline policy ${w.roleName}/${w.policyName}`)) return;
      const p = await get;
      if (!acked) unackedPresent++;
      check(
        p.RoleName === w.roleName && p.PolicyName === w.policyName,
        `${w.policyName}: names ${p.RoleName}/${p.PolicyName}`,
      );
      check(
        JSON.stringify(decodePolicy(p.PolicyDocument)) === w.document,
        `${w.policyName}: document ${p.PolicyDocument}`,
      );
    }
  });

  // Lists: every acknowledged entity is listed once; nothing listed that was never written.
  const roles = await listAll(async (Marker) => {
    const r = await iam.send(new ListRolesCommand({ Marker, MaxItems: 100 }));
    return { items: r.Roles ?? [], marker: r.IsTruncated ? r.Marker : undefined };
  });
  const listedRoles = roles.map((r) => r.RoleName!);
  const roleWrites = new Map(
    writes.filter((w): w is RoleWrite => w.kind === "role").map((w) => [w.name, w]),
  );
  check(new Set(listedRoles).size === listedRoles.length, "ListRoles lists a role twice");
  for (const name of listedRoles) check(roleWrites.has(name), `ListRoles lists unknown ${name}`);
  for (const w of roleWrites.values()) {
    if (w.outcome === "acked") check(listedRoles.includes(w.name), `ListRoles misses ${w.name}`);
  }
  const providers = (await iam.send(new ListOpenIDConnectProvidersCommand({})))
    .OpenIDConnectProviderList!.map((p) => p.Arn!)
    .filter((arn) => arn.includes(".durability.test/"));
  const providerWrites = writes.filter((w): w is ProviderWrite => w.kind === "provider");
  for (const arn of providers) {
    check(
      providerWrites.some((w) => w.arn === arn),
      `ListOpenIDConnectProviders lists unknown ${arn}`,
    );
  }
  for (const w of providerWrites) {
    if (w.outcome === "acked") {
      check(providers.includes(w.arn), `ListOpenIDConnectProviders misses ${w.arn}`);
    }
  }

  expect(problems).toEqual([]);
  return { unackedPresent };
}

describe("emulator durability across kill -9", () => {
  it("serves every acknowledged IAM write after SIGKILL mid-burst; no half-records", async () => {
    const stateDir = await tempDir("bb-oidc-durability-state-");
    const writes: Write[] = [];
    let emu = await startEmulator(cli, stateDir);
    const adminKey = emu.ready.accounts[0]!;
    const stats: BurstResult[] = [];

    // Two rounds: the second replays a journal that already survived one crash.
    for (const ackTarget of [150, 150]) {
      const burst = await burstAndKill(emu, writes, ackTarget);
      stats.push(burst);
      expect(burst.failedBeforeKill).toEqual([]);
      expect(writes.some((w) => w.outcome === "pending")).toBe(false);

      emu = await startEmulator(cli, stateDir);
      // Same state, same account: the admin key pair is the one the first start created.
      expect(emu.ready.accounts[0]).toEqual(adminKey);
      const iam = iamFor(emu);
      try {
        await verify(iam, writes);
      } finally {
        iam.destroy();
      }
    }

    // The restarted emulator still takes writes (the journal's tail is sound).
    const iam = iamFor(emu);
    try {
      const r = await iam.send(
        new CreateRoleCommand({
          RoleName: "after-crash",
          AssumeRolePolicyDocument: trustPolicy(ACCOUNT, 0),
        }),
      );
      expect(r.Role?.RoleName).toBe("after-crash");
    } finally {
      iam.destroy();
    }
    await emu.kill();

    const acked = writes.filter((w) => w.outcome === "acked").length;
    expect(acked).toBeGreaterThanOrEqual(300);
    // The kill really landed mid-burst: writes were in flight when it happened.
    for (const s of stats) expect(s.pendingAtKill).toBeGreaterThan(0);
    for (const kind of ["role", "provider", "policy"] as const) {
      expect(writes.some((w) => w.kind === kind && w.outcome === "acked")).toBe(true);
    }
  }, 120_000);
});
