/**
 * The callers to ask about: repositories and environments from flags, every braced UUID the trust
 * policies' sub patterns mention (the first is the repository; a second, the environment of that
 * repository), and one repository none of them mentions.
 */
import { requireBracedUuid } from "../../bitbucket/index.js";
import { providerClaim, statementViews } from "../trust/statements.js";
import { syntheticUuid } from "../trust/synthetic.js";
import { bracedUuidsIn } from "../trust/uuids.js";
import type { MatrixRow, RepositoryInput, WhoCanRole } from "./types.js";

interface RepoEntry {
  uuid: string;
  label?: string;
  source: "flag" | "policy";
  environments: Map<string, string | undefined>;
}

export function matrixRows(
  roles: readonly WhoCanRole[],
  repositories: readonly RepositoryInput[] = [],
  environments: readonly RepositoryInput[] = [],
  policiesText: string,
): { rows: MatrixRow[]; other: { repository: string; environment: string }; step: string } {
  const repos = new Map<string, RepoEntry>();
  const add = (uuid: string, source: RepoEntry["source"], label?: string): RepoEntry => {
    const key = uuid.toLowerCase();
    let entry = repos.get(key);
    if (!entry) {
      entry = { uuid, source, environments: new Map(), ...(label ? { label } : {}) };
      repos.set(key, entry);
    }
    return entry;
  };
  for (const r of repositories) add(requireBracedUuid(r.uuid, "--repository"), "flag", r.label);
  const flagEnvs = environments.map((e) => ({
    uuid: requireBracedUuid(e.uuid, "--environment"),
    label: e.label,
  }));
  for (const role of roles) {
    for (const s of statementViews(role.trustPolicy)) {
      for (const c of s.conditions) {
        if (providerClaim(c.key) !== "sub") continue;
        for (const v of c.values) {
          const uuids = bracedUuidsIn(v);
          if (uuids.length === 0) continue;
          const entry = add(uuids[0]!, "policy");
          // `{repo}:{env}:*` names an environment; `{repo}:{step}` (StringEquals) names a step, not one.
          if (uuids.length >= 2 && (uuids.length >= 3 || /\*|\?/.test(v))) {
            if (!entry.environments.has(uuids[1]!)) entry.environments.set(uuids[1]!, undefined);
          }
        }
      }
    }
  }
  const rows: MatrixRow[] = [];
  for (const entry of repos.values()) {
    const base = {
      repository: entry.uuid,
      ...(entry.label ? { repositoryLabel: entry.label } : {}),
    };
    rows.push({ ...base, source: entry.source });
    const envs = new Map(entry.environments);
    for (const e of flagEnvs) envs.set(e.uuid, e.label);
    for (const [env, label] of envs) {
      rows.push({
        ...base,
        environment: env,
        ...(label ? { environmentLabel: label } : {}),
        source: entry.source,
      });
    }
  }
  const other = {
    repository: syntheticUuid("who-can:other-repository", policiesText),
    environment: syntheticUuid("who-can:other-environment", policiesText),
  };
  rows.push({ repository: other.repository, otherRepository: true, source: "synthetic" });
  return { rows, other, step: syntheticUuid("who-can:step", policiesText) };
}
