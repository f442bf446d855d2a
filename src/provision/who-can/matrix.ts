/**
 * The access matrix, computed by the STS decision: for every caller row and role column a
 * synthetic token goes through `decideWebIdentity` (unsigned claims) against a `staticWorld` of
 * the role's account. One world per account, so each trust policy is compiled once; each cell
 * costs a few decisions, so the work is rows × roles and nothing more.
 */
import { InputError, PolicyError } from "../../errors.js";
import { type StaticProvider, type StsWorld, staticWorld } from "../../sts/index.js";
import { attemptsFor, type TrustFacts, trustFacts } from "../trust/attempts.js";
import { askUntilAllowed, fallbackAudience, NO_KEYS, SYNTHETIC_NOW } from "../trust/synthetic.js";
import { opacityOf } from "./opacity.js";
import { matrixRows } from "./rows.js";
import type { AccessMatrix, MatrixCell, MatrixColumn, WhoCanInput, WhoCanRole } from "./types.js";

interface Column {
  role: WhoCanRole;
  facts: TrustFacts;
  world: StsWorld;
  /** Provider URLs the role trusts, with the audiences to try for each. */
  targets: { url: string; audiences: string[] }[];
}

function bare(url: string): string {
  return url.replace(/^https:\/\//, "");
}

export async function whoCan(input: WhoCanInput): Promise<AccessMatrix> {
  const now = input.now ?? SYNTHETIC_NOW;
  const policiesText = input.roles.map((r) => JSON.stringify(r.trustPolicy)).join("\n");
  const { rows, other, step } = matrixRows(
    input.roles,
    input.repositories,
    input.environments,
    policiesText,
  );

  // Group by account: one world each, with the template's providers and any the roles name.
  const byAccount = new Map<string, WhoCanRole[]>();
  for (const r of input.roles) {
    const list = byAccount.get(r.account) ?? [];
    list.push(r);
    byAccount.set(r.account, list);
  }
  const columnsByRole = new Map<WhoCanRole, Column>();
  for (const [account, roles] of byAccount) {
    const known = new Map<string, StaticProvider>();
    for (const p of input.providers) {
      if (p.account === account) known.set(bare(p.url).toLowerCase(), { ...p, url: bare(p.url) });
    }
    const factsOf = new Map(roles.map((r) => [r, trustFacts(r.trustPolicy)]));
    // A provider the template does not create is assumed to exist, accepting what the policy expects.
    for (const facts of input.assumeMissingProviders === false ? [] : factsOf.values()) {
      for (const p of facts.providers) {
        const key = p.url.toLowerCase();
        if (known.has(key)) continue;
        const audiences = facts.audiences.get(key);
        known.set(key, {
          account,
          url: p.url,
          partition: p.partition,
          clientIds: audiences?.length ? [...audiences] : [fallbackAudience(p.url)],
        });
      }
    }
    let world: StsWorld;
    try {
      world = staticWorld({
        keys: NO_KEYS,
        providers: [...known.values()],
        roles: roles.map((r) => ({
          arn: r.roleArn,
          trustPolicy: r.trustPolicy,
          ...(r.maxSessionDuration ? { maxSessionDuration: r.maxSessionDuration } : {}),
          ...(r.compiledTrust ? { compiled: r.compiledTrust } : {}),
        })),
      });
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      throw new InputError(`a trust policy in account ${account} is not valid: ${err.message}`, {
        hint: "Run bb-oidc lint on the template to see which role, and where.",
      });
    }
    for (const role of roles) {
      const facts = factsOf.get(role)!;
      const urls = [...new Set(facts.providers.map((p) => p.url))];
      columnsByRole.set(role, {
        role,
        facts,
        world,
        targets: urls.map((url) => ({
          url,
          audiences: known.get(url.toLowerCase())?.clientIds ?? [],
        })),
      });
    }
  }

  const columns: MatrixColumn[] = input.roles.map((r) => ({
    role: r.name,
    account: r.account,
    roleArn: r.roleArn,
  }));
  // Rows by the UUIDs they carry, so a role finds the rows it mentions without scanning them all.
  const rowsByUuid = new Map<string, number[]>();
  const index = (uuid: string | undefined, i: number) => {
    if (!uuid) return;
    const key = uuid.toLowerCase();
    const list = rowsByUuid.get(key) ?? [];
    list.push(i);
    rowsByUuid.set(key, list);
  };
  rows.forEach((r, i) => {
    if (r.otherRepository) return;
    index(r.repository, i);
    index(r.environment, i);
  });
  // Per column: the answer for unmentioned rows (plain and deployment steps), and overrides for
  // the rows it mentions. Rows are then filled by copying the default line: no rows × roles loop
  // of decisions, and only a memory copy per row.
  const plainLine = new Array<MatrixCell>(input.roles.length);
  const deploymentLine = new Array<MatrixCell>(input.roles.length);
  const overrides = new Map<number, [column: number, cell: MatrixCell][]>();
  const override = (i: number, j: number, c: MatrixCell) => {
    const list = overrides.get(i) ?? [];
    list.push([j, c]);
    overrides.set(i, list);
  };
  const otherRow = rows.findIndex((r) => r.otherRepository);
  for (let j = 0; j < input.roles.length; j++) {
    const role = input.roles[j]!;
    const col = columnsByRole.get(role)!;
    const ask = (repository: string, envs: readonly (string | undefined)[]) =>
      cell(col, repository, envs, step, now);
    const { opaque, mentioned } = opacityOf(role.trustPolicy);
    const plain = await ask(other.repository, [undefined]);
    const deployment = await ask(other.repository, [other.environment]);
    plainLine[j] = plain;
    deploymentLine[j] = deployment;
    override(otherRow, j, plain.allowed ? plain : deployment);
    if (!opaque) {
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        if (i !== otherRow) override(i, j, await ask(r.repository, [r.environment]));
      }
      continue;
    }
    // One answer for every row this policy does not mention (see opacity.ts), one per row it does.
    const special = new Set<number>();
    for (const u of mentioned) for (const i of rowsByUuid.get(u) ?? []) special.add(i);
    for (const i of special) override(i, j, await ask(rows[i]!.repository, [rows[i]!.environment]));
  }
  const cells: MatrixCell[][] = rows.map((r, i) => {
    const line = (r.environment ? deploymentLine : plainLine).slice();
    for (const [j, c] of overrides.get(i) ?? []) line[j] = c;
    return line;
  });
  return { rows, columns, cells };
}

async function cell(
  col: Column,
  repository: string,
  environments: readonly (string | undefined)[],
  step: string,
  now: number,
): Promise<MatrixCell> {
  let reason = "the role trusts no OIDC provider";
  for (const target of col.targets) {
    for (const environment of environments) {
      const attempts = attemptsFor(col.facts, {
        providerUrl: target.url,
        audiences: target.audiences,
        repository,
        step,
        now,
        ...(environment ? { environment } : {}),
      });
      const answer = await askUntilAllowed(col.world, col.role.roleArn, attempts, now);
      if (!answer) continue;
      if (!answer.decision.ok) {
        reason = answer.decision.reason;
        continue;
      }
      const statement = answer.decision.trace?.statements.find(
        (s) => s.applies && s.effect === "Allow",
      )?.index;
      return {
        allowed: true,
        ...(statement === undefined ? {} : { statement }),
        audience: answer.decision.audience,
        ...(answer.attempt.sourceIp ? { sourceIp: answer.attempt.sourceIp } : {}),
      };
    }
  }
  return { allowed: false, reason };
}
