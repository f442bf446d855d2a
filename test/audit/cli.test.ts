/**
 * `bb-oidc audit` as a platform team runs it: the built CLI in a child process, the SDK's own
 * credential chain (environment variables), the emulator as the endpoint. Exit codes, formats,
 * drift against a config, the StackSet-ready audit role.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Log } from "sarif";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLI, runCli, transcript } from "../e2e/cli-run.js";
import type { Creds } from "../emulator/aws/helpers.js";
import { ensureBuilt } from "../support/built-cli.js";
import { DEV, GHOST, MANAGEMENT, PROD_A, REPO, WORKSPACE_UUID } from "./fixtures.js";
import { credsOf, type Endpoint, memberSession, startPlantedOrganization } from "./org-fixture.js";
import { codeScanningProblems, typeCheckSarif } from "./sarif-judge.js";

let ep: Endpoint;
let dir: string;
beforeAll(async () => {
  ensureBuilt();
  ep = await startPlantedOrganization();
  dir = mkdtempSync(join(tmpdir(), "bb-oidc-audit-cli-"));
});
afterAll(async () => {
  // No run printed the auditor's secret key or session token, whatever it said.
  for (const t of transcript) {
    for (const secret of [ep.auditor.secretAccessKey, ep.auditor.sessionToken!]) {
      expect(t.stdout).not.toContain(secret);
      expect(t.stderr).not.toContain(secret);
    }
  }
  expect(ep.errors).toEqual([]);
  await ep.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The audit as the scheduled pipeline runs it (the auditor's session), or with other credentials. */
function audit(args: string[], as: Creds = ep.auditor) {
  const c = as;
  return runCli(["audit", "--endpoint-url", ep.url, ...args], {
    env: {
      AWS_ACCESS_KEY_ID: c.accessKeyId,
      AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
      ...(c.sessionToken ? { AWS_SESSION_TOKEN: c.sessionToken } : {}),
      AWS_REGION: "us-east-1",
      HOME: dir,
      CI: "true",
    },
  });
}

const ORG = ["--organization", "--assume-role-name", "OrganizationAccountAccessRole"];

describe("bb-oidc audit", () => {
  test("text: ranked findings, the unreachable account named, exit 4 (incomplete)", async () => {
    const r = await audit(ORG);
    expect(r.stderr).toContain(`audit: organization o-`);
    expect(r.stderr).toMatch(
      new RegExp(
        `\\[\\d/5\\] ${GHOST} NOT audited: sts:AssumeRole into arn:aws:iam::${GHOST}:role/OrganizationAccountAccessRole failed`,
      ),
    );
    expect(r.code).toBe(4);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^bb-oidc audit of organization o-\w+: 5 accounts \(4 audited, 1 NOT audited\)/,
    );
    const first = lines.find((l) => /^(CRITICAL|HIGH|MEDIUM|LOW) /.test(l));
    expect(first).toMatch(/^CRITICAL/);
    expect(r.stdout).toContain(`NOT audited (1):\n  ${GHOST}`);
    expect(r.stdout).toContain("who can assume: any repository on GitHub Actions");
    // Where to start: the accounts with findings, the worst first.
    const at = lines.indexOf("by account:");
    expect(at).toBe(2);
    expect(lines[at + 1]).toMatch(/^ {2}\d{12} \(.+\): \d+ critical/);
    const block = lines.slice(at + 1, lines.indexOf("", at));
    expect(block.some((l) => l.includes(GHOST))).toBe(false); // not audited: listed below instead
  });

  test("on a terminal, progress is one line rewritten in place (accounts done, roles read)", async () => {
    // util-linux `script` gives the CLI a terminal for standard error; the report goes to a file.
    const out = join(dir, "tty-report.txt");
    const c = ep.auditor;
    const cmd = `'${process.execPath}' '${CLI}' audit --endpoint-url ${ep.url} ${ORG.join(" ")} > '${out}'`;
    const tty = await new Promise<string>((resolve, reject) => {
      const child = spawn("script", ["-qec", cmd, "/dev/null"], {
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: c.accessKeyId,
          AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
          AWS_SESSION_TOKEN: c.sessionToken!,
        },
        stdio: ["ignore", "pipe", "inherit"],
      });
      let text = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (text += d));
      child.on("error", reject);
      child.on("close", () => resolve(text));
    });
    expect(tty).toContain("\r\x1b[2Kaudit: 0/5 accounts, 0 roles read, 0 findings");
    expect(tty).toMatch(/\r\x1b\[2Kaudit: 5\/5 accounts, \d+ roles read, \d+ findings/);
    expect(tty).not.toContain("audit: [1/5]"); // no plain CI lines on a terminal
    expect(tty.endsWith("\r\x1b[2K")).toBe(true); // the live line is cleared at the end
    expect(tty).not.toContain(c.secretAccessKey);
    expect(readFileSync(out, "utf8")).toMatch(/^bb-oidc audit of organization o-/);
  });

  test("--fail-on sets the exit status: findings at the level → 1", async () => {
    expect((await audit([...ORG, "--fail-on", "critical"])).code).toBe(1);
    // The current account alone has only a safe role: nothing at low or above, exit 0.
    const own = await audit(["--fail-on", "low"]);
    expect(own.stdout).toContain("No findings at low severity or above.");
    expect(own.code).toBe(0);
    // A list with an account that cannot be entered: incomplete.
    const listed = await audit([
      "--accounts",
      `${PROD_A},${GHOST}`,
      "--assume-role-name",
      "OrganizationAccountAccessRole",
    ]);
    expect(listed.code).toBe(1 + 3); // 4: no --fail-on, one account not audited
  });

  test("--ou narrows to that OU; json lists roles with who can assume them", async () => {
    const r = await audit([...ORG, "--ou", "ou-ab12-dev00000", "--format", "json"]);
    expect(r.code).toBe(4);
    const report = JSON.parse(r.stdout);
    expect(report.format).toBe("bb-oidc-audit/1");
    expect(report.accounts.map((a: { account: string }) => a.account).sort()).toEqual([DEV, GHOST]);
    const tfc = report.roles.find((x: { name: string }) => x.name === "tfc-any-org");
    expect(tfc).toMatchObject({
      reach: "platform",
      who: ["any workspace on HCP Terraform"],
      blast: { level: "admin" },
    });
  });

  test("sarif: a SARIF 2.1.0 log by DefinitelyTyped's types, with what GitHub code scanning requires of an upload", async () => {
    const sarif: Log = JSON.parse((await audit([...ORG, "--format", "sarif"])).stdout);
    const run = sarif.runs[0]!;
    expect(run.results?.length).toBeGreaterThan(0);
    const typed = typeCheckSarif(sarif, mkdtempSync(join(dir, "sarif-")));
    expect(typed.output).toBe("");
    expect(typed.ok).toBe(true);
    expect(codeScanningProblems(sarif)).toEqual([]);
    // Located at the role's ARN, and the run says an account was not audited.
    for (const res of run.results ?? []) {
      expect(res.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toMatch(
        /^arn:aws:iam::\d{12}:/,
      );
    }
    expect(run.invocations?.[0]?.executionSuccessful).toBe(false);

    // The judges say no to what code scanning would refuse: a level SARIF does not have, a
    // message without text, a rule nobody describes.
    const high = structuredClone(sarif) as unknown as { runs: { results: { level: string }[] }[] };
    high.runs[0]!.results[0]!.level = "high";
    const refused = typeCheckSarif(high, mkdtempSync(join(dir, "sarif-")));
    expect(refused.ok).toBe(false);
    expect(refused.output).toContain('"high"');
    const mute = structuredClone(sarif);
    delete mute.runs[0]!.results![0]!.message.text;
    mute.runs[0]!.results![1]!.ruleId = "no-such-rule";
    expect(codeScanningProblems(mute)).toEqual([
      expect.stringMatching(/^runs\[0\]\.results\[0\] .*: no message\.text$/),
      expect.stringMatching(/^runs\[0\]\.results\[1\] \(no-such-rule\): ruleId names no rule/),
    ]);
  });

  test("csv for spreadsheets", async () => {
    const csv = (await audit([...ORG, "--format", "csv"])).stdout.split("\r\n");
    expect(csv[0]).toBe(
      "severity,rule_id,account,role,role_arn,who_can_assume,condition,blast_radius,message,fix",
    );
    expect(csv[1]).toMatch(/^critical,/);
  });

  test("--out writes the html report atomically; bad flags exit 2 with what to do", async () => {
    const out = join(dir, "report.html");
    const r = await audit([...ORG, "--format", "html", "--out", out]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/wrote .*report\.html: \d+ findings across 5 accounts/);
    expect(readFileSync(out, "utf8")).toMatch(/^<!doctype html>/);
    const nowhere = await audit([...ORG, "--out", join(dir, "no-such-dir", "a.html")]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain("--out: cannot write into");
    expect(nowhere.stderr).not.toContain("audit: organization"); // refused before any AWS call
    const bad = await audit(["--format", "pdf"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--format: expected text, json, sarif, csv, html");
    const noOu = await audit([...ORG, "--ou", "ou-ab12-nosuchou"]);
    expect(noOu.code).toBe(2);
    expect(noOu.stderr).toContain(
      '--ou: the organization has no root or OU "ou-ab12-nosuchou" (ParentNotFoundException).',
    );
    expect(noOu.stderr).not.toContain("unexpected");
    const badId = await audit([...ORG, "--external-id", "a b"]);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain("--external-id: 2 to 1224 characters");
    const badSession = await audit([...ORG, "--session-name", "x"]);
    expect(badSession.code).toBe(2);
    expect(badSession.stderr).toContain("--session-name: 2 to 64 characters");
    const noRole = await audit(["--organization"]);
    expect(noRole.code).toBe(2);
    expect(noRole.stderr).toContain("--assume-role-name is needed");
    const member = await audit(ORG, await memberSession(ep, PROD_A));
    expect(member.code).toBe(1);
    expect(member.stderr).toContain(
      "may not list the organization's accounts (AccessDeniedException)",
    );
    expect(member.stderr).toContain("management account");
    // An account's root user may not assume roles: said once, before any account is read.
    const root = await audit(ORG, credsOf(ep, MANAGEMENT));
    expect(root.code).toBe(2);
    expect(root.stderr).toContain(
      `these credentials are the root user of account ${MANAGEMENT}, and AWS does not let the root user assume roles`,
    );
    expect(root.stderr).not.toContain("audit: organization");
    const ownAccount = await audit([], credsOf(ep, MANAGEMENT));
    expect(ownAccount.stdout).toMatch(
      /^bb-oidc audit of account 100000000001: 1 account \(1 audited\)/,
    );
  });

  test("IAM throttling slows the audit down, it does not fail it (the SDK's adaptive retries)", async () => {
    ep.backend.faults.add({
      service: "iam",
      action: "GetAccountAuthorizationDetails",
      status: 400,
      code: "Throttling",
      message: "Rate exceeded",
      count: 3,
    });
    const r = await audit([...ORG, "--format", "json"]);
    expect(ep.backend.faults.list()).toEqual([]);
    const report = JSON.parse(r.stdout);
    expect(report.summary.audited).toBe(4);
    expect(report.summary.unreachable).toBe(1);
  });

  test("--ip-ranges: addresses outside Atlassian's current ranges are stale", async () => {
    const feed = join(dir, "ip-ranges.json");
    writeFileSync(
      feed,
      JSON.stringify({
        creationDate: "2026-01-01T00:00:00",
        items: [
          {
            network: "192.0.2.0",
            mask_len: 24,
            cidr: "192.0.2.0/24",
            mask: "255.255.255.0",
            product: ["bitbucket"],
            direction: ["egress"],
          },
        ],
      }),
    );
    const r = await audit([
      "--accounts",
      DEV,
      "--assume-role-name",
      "OrganizationAccountAccessRole",
      "--ip-ranges",
      feed,
      "--format",
      "json",
    ]);
    const stale = JSON.parse(r.stdout).findings.filter(
      (f: { ruleId: string }) => f.ruleId === "stale-ip-ranges",
    );
    expect(stale.map((f: { role: string }) => f.role)).toEqual(["ip-listed"]);
    expect(stale[0].message).toContain("203.0.113.10/32");
  });

  test("no credentials: one line that says what to give, exit 1", async () => {
    const r = await runCli(["audit", "--endpoint-url", ep.url], {
      env: { HOME: dir, AWS_REGION: "us-east-1", AWS_EC2_METADATA_DISABLED: "true" },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bb-oidc: cannot tell which account these credentials belong to/);
    expect(r.stderr).toContain("AWS_PROFILE");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test("drift against bb-oidc.yaml: missing, differing (with the diff), undescribed", async () => {
    const config = join(dir, "bb-oidc.yaml");
    writeFileSync(
      config,
      `workspace: { slug: acme, uuid: "${WORKSPACE_UUID}" }
provider: { create: false }
roles:
  - name: deploy-web-prod
    accounts: ["${PROD_A}"]
    repositories: ["${REPO}"]
    inlinePolicies:
      deploy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "s3:PutObject", Resource: "arn:aws:s3:::acme-web/*" }] }
  - name: deploy-api
    accounts: ["${PROD_A}"]
    repositories: ["${REPO}"]
`,
    );
    const r = await audit([
      "--accounts",
      PROD_A,
      "--assume-role-name",
      "OrganizationAccountAccessRole",
      "--config",
      config,
      "--format",
      "json",
    ]);
    const drift = JSON.parse(r.stdout).findings.filter((f: { ruleId: string }) =>
      f.ruleId.startsWith("drift-"),
    );
    const by = (id: string) =>
      drift.filter((f: { ruleId: string }) => f.ruleId === id).map((f: { role: string }) => f.role);
    expect(by("drift-missing-role")).toEqual(["deploy-api"]);
    expect(by("drift-trust-policy")).toEqual(["deploy-web-prod"]);
    expect(by("drift-undescribed-role")).toEqual(["seed-admin"]);
    const diff = drift.find((f: { ruleId: string }) => f.ruleId === "drift-trust-policy")
      .diff as string;
    // Generated: any step of the repository; live: only the production environment.
    expect(diff).toMatch(
      /^- +"api\.bitbucket\.org\/.*:sub": "\{0b6f3c2e-9d41-4a7e-8c15-3e2f1d0a9b87\}:\*"$/m,
    );
    expect(diff).toMatch(
      /^\+ +"api\.bitbucket\.org\/.*:sub": "\{0b6f3c2e-9d41-4a7e-8c15-3e2f1d0a9b87\}:\{c3d2e1f0-a9b8-4c7d-9e6f-5a4b3c2d1e0f\}:\*"$/m,
    );
    expect(diff).toMatch(/^- +"Sid": "BitbucketPipelinesOidc"$/m);
  });
});
