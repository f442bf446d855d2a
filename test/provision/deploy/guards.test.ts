/**
 * A deploy that guards itself, as a pipeline meets it (the bundled CLI against the emulator):
 * lint errors stop it unless --allow-lint-errors, a lost connection is retried and then reported
 * with `bb-oidc status`, IAM StackSets are kept to one region, an existing provider gets the fix,
 * JSON is JSON even for errors, and status/destroy show and guard what a deployment left.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import {
  CreateOpenIDConnectProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  GetRoleCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../../e2e/cli-run.js";
import {
  AUDIENCE,
  cfn,
  ISSUER_HOST,
  iam,
  providerAndRole,
  startEndpoint,
} from "../../emulator/cloudformation/helpers.js";
import { emulatorAwsEnv } from "../../support/aws-env.js";
import { ensureBuilt } from "../../support/built-cli.js";

const OWN = "111111111111";
const WS_UUID = "{4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31}";
const REPO = "{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}";
let ep: Awaited<ReturnType<typeof startEndpoint>>;
let dir: string;

beforeAll(async () => {
  ensureBuilt();
  ep = await startEndpoint();
  dir = mkdtempSync(join(tmpdir(), "bb-oidc-guards-"));
}, 120_000);
afterAll(async () => {
  await ep?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Run = { code: number | null; stdout: string; stderr: string };

function run(args: string[], endpoint = ep.url): Promise<Run> {
  return runCli(args, {
    env: emulatorAwsEnv({
      credentials: ep.accounts[0]!,
      endpoint,
      home: dir,
      extra: { AWS_MAX_ATTEMPTS: "1" },
    }),
  });
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function stackExists(name: string): Promise<boolean> {
  try {
    await cfn(ep.url, ep.accounts[0]!).send(new DescribeStacksCommand({ StackName: name }));
    return true;
  } catch {
    return false;
  }
}

function noTrace(r: Run): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** AdministratorAccess for any repository of the workspace: what the seed's template does. */
const anyRepositoryAdmin = (workspace: string) => `Resources:
  Provider:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://${ISSUER_HOST.replace("/acme/", `/${workspace}/`)}
      ClientIdList: ["${AUDIENCE}"]
      ThumbprintList: ["${"a".repeat(40)}"]
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: ${workspace}-admin
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Federated: !Ref Provider }
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals: { "${ISSUER_HOST.replace("/acme/", `/${workspace}/`)}:aud": "${AUDIENCE}" }
`;

const config = (slug: string, roles: string, provider = "{ create: true }") => `workspace:
  slug: ${slug}
  uuid: "${WS_UUID}"
provider: ${provider}
roles:
${roles}`;

const role = (name: string) => `  - name: ${name}
    accounts: ["${OWN}"]
    repositories: ["${REPO}"]
`;

describe("lint guards the deploy", () => {
  test("an error-level finding stops it, names --allow-lint-errors, and creates nothing (exit 1)", async () => {
    const t = file("admin.yaml", anyRepositoryAdmin("lintgate"));
    const r = await run(["deploy", "--template", t, "--stack-name", "lint-gate", "--yes"]);
    noTrace(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not deploying: lint found 1 error in what would be deployed/);
    expect(r.stderr).toContain("no-subject-condition");
    expect(r.stderr).toContain("--allow-lint-errors");
    expect(await stackExists("lint-gate")).toBe(false);

    const json = await run([
      "deploy",
      "--template",
      t,
      "--stack-name",
      "lint-gate",
      "--yes",
      "--format",
      "json",
    ]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error.code).toBe("ERR_LINT_ERRORS");
  }, 60_000);

  test("--allow-lint-errors deploys it anyway", async () => {
    const t = file("admin2.yaml", anyRepositoryAdmin("lintallow"));
    const r = await run([
      "deploy",
      "--template",
      t,
      "--stack-name",
      "lint-allowed",
      "--yes",
      "--allow-lint-errors",
    ]);
    noTrace(r);
    expect(r.code).toBe(0);
    expect(await stackExists("lint-allowed")).toBe(true);
  }, 60_000);
});

/**
 * A forwarding proxy in front of the emulator that drops every connection once the change set
 * has been executed, for `outageMs` (forever when undefined).
 */
async function flakyProxy(outageMs?: number): Promise<{ url: string; server: Server }> {
  let downSince: number | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const down =
        downSince !== undefined && (outageMs === undefined || Date.now() - downSince < outageMs);
      if (down) {
        req.socket.destroy();
        return;
      }
      const target = new URL(ep.url);
      const fwd = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      fwd.end(body);
      if (body.toString().includes("Action=ExecuteChangeSet")) downSince = Date.now();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("waiting survives a lost connection", () => {
  test("a short outage is retried and the deploy completes", async () => {
    const proxy = await flakyProxy(1200);
    try {
      const t = file("flaky.yaml", providerAndRole({ roleName: "flaky", workspace: "flaky" }));
      const r = await run(
        ["deploy", "--template", t, "--stack-name", "flaky", "--yes", "--poll-retry-seconds", "20"],
        proxy.url,
      );
      noTrace(r);
      expect(r.stderr).toMatch(/CloudFormation could not be reached \(.+\); trying again in \d+ s/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Stack flaky: CREATE_COMPLETE");
    } finally {
      proxy.server.close();
    }
  }, 60_000);

  test("a lasting one ends with: the stack may still be changing — bb-oidc status (exit 1)", async () => {
    const proxy = await flakyProxy();
    try {
      const t = file("gone.yaml", providerAndRole({ roleName: "gone", workspace: "gone" }));
      const r = await run(
        ["deploy", "--template", t, "--stack-name", "gone", "--yes", "--poll-retry-seconds", "2"],
        proxy.url,
      );
      noTrace(r);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/trying again in \d+ s/);
      expect(r.stderr).toContain(
        "the stack may still be changing — `bb-oidc status --stack-name gone`",
      );
      // It was started, and went on without bb-oidc.
      const status = await run(["status", "--stack-name", "gone", "--format", "json"]);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout).units[0]).toMatchObject({
        name: "gone",
        status: "CREATE_COMPLETE",
      });
    } finally {
      proxy.server.close();
    }
  }, 60_000);
});

describe("IAM is global", () => {
  test("a StackSet of IAM resources in two regions is refused with the reason (exit 2)", async () => {
    const t = file("ss.yaml", providerAndRole({ roleName: "ss", workspace: "ss" }));
    const r = await run([
      "deploy",
      "--template",
      t,
      "--stack-name",
      "ss",
      "--stack-set",
      "--accounts",
      "222222222222",
      "--regions",
      "us-east-1,eu-west-1",
      "--yes",
    ]);
    noTrace(r);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("only IAM resources, which are global");
    expect(r.stderr).toContain("--regions us-east-1");
    const c = await run([
      "deploy",
      "--config",
      file("regions.yaml", config("regions", role("regions-role"))),
      "--stack-name",
      "regions",
      "--regions",
      "us-east-1,eu-west-1",
      "--yes",
    ]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("global to each account");
  }, 60_000);
});

describe("lint guards deploy --config", () => {
  test("each error comes with its fix, no line of a template the user never saw, and a lint command that works on a config", async () => {
    const cfg = file(
      "placeholder.yaml",
      config(
        "placeholder",
        `${role("placeholder-deploy")}    inlinePolicies:
      deploy:
        Version: "2012-10-17"
        Statement: [{ Effect: Allow, Action: ["s3:PutObject"], Resource: "arn:aws:s3:::<S3_BUCKET>/*" }]
`,
      ),
    );
    const r = await run(["deploy", "--config", cfg, "--stack-name", "placeholder", "--yes"]);
    noTrace(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unresolved-placeholder");
    expect(r.stderr).toContain("fix: Replace <S3_BUCKET>");
    expect(r.stderr).not.toMatch(/\(built template\):\d/);
    expect(r.stderr).toContain(`bb-oidc template --config ${cfg} --out bb-oidc.template.yaml`);
    expect(await stackExists("placeholder")).toBe(false);
  }, 60_000);
});

describe("an OIDC provider that already exists", () => {
  test("the failure names the cause and the fix, and provider: { create: false } deploys", async () => {
    const admin = ep.accounts[0]!;
    const url = `https://${ISSUER_HOST.replace("/acme/", "/handmade/")}`;
    const made = await iam(ep.url, admin).send(
      new CreateOpenIDConnectProviderCommand({
        Url: url,
        ClientIDList: [`ari:cloud:bitbucket::workspace/${WS_UUID.slice(1, -1)}`],
        ThumbprintList: ["a".repeat(40)],
      }),
    );
    try {
      const cfg = file("handmade.yaml", config("handmade", role("handmade-deploy")));
      const r = await run(["deploy", "--config", cfg, "--stack-name", "handmade", "--yes"]);
      noTrace(r);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/already exists/);
      expect(r.stderr).toContain("set `provider: { create: false }` in bb-oidc.yaml");

      // The failed stack holds nothing: the next deploy re-creates it, and says so.
      const plan = await run(["deploy", "--config", cfg, "--stack-name", "handmade"]);
      expect(plan.stdout).toContain("re-create (its creation failed)");
      writeFileSync(cfg, config("handmade", role("handmade-deploy"), "{ create: false }"));
      const again = await run([
        "deploy",
        "--config",
        cfg,
        "--stack-name",
        "handmade",
        "--yes",
        "--format",
        "json",
      ]);
      noTrace(again);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout).outcome).toBe("deployed");
      const got = await iam(ep.url, admin).send(
        new GetRoleCommand({ RoleName: "handmade-deploy" }),
      );
      expect(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!)).toContain(
        made.OpenIDConnectProviderArn!,
      );
      const gone = await run(["destroy", "--stack-name", "handmade", "--yes"]);
      expect(gone.code).toBe(0);
    } finally {
      await iam(ep.url, admin).send(
        new DeleteOpenIDConnectProviderCommand({
          OpenIDConnectProviderArn: made.OpenIDConnectProviderArn,
        }),
      );
    }
  }, 120_000);
});

describe("an OIDC provider that already exists, meeting --template", () => {
  test("the stack's and the StackSet's failures name the cause and the fix for a template", async () => {
    const admin = ep.accounts[0]!;
    const other = ep.accounts[1]!;
    const url = `https://${ISSUER_HOST.replace("/acme/", "/tplmade/")}`;
    const made = [admin, other].map((creds) =>
      iam(ep.url, creds).send(
        new CreateOpenIDConnectProviderCommand({
          Url: url,
          ClientIDList: [AUDIENCE],
          ThumbprintList: ["a".repeat(40)],
        }),
      ),
    );
    const arns = (await Promise.all(made)).map((m) => m.OpenIDConnectProviderArn!);
    try {
      const t = file(
        "tplmade.yaml",
        providerAndRole({ roleName: "tplmade", workspace: "tplmade" }),
      );
      const fix = "take the AWS::IAM::OIDCProvider resource out of the template";
      const stack = await run(["deploy", "--template", t, "--stack-name", "tplmade", "--yes"]);
      noTrace(stack);
      expect(stack.code).toBe(1);
      expect(stack.stderr).toMatch(/already exists/);
      expect(stack.stderr).toContain(fix);
      const json = await run([
        "deploy",
        "--template",
        t,
        "--stack-name",
        "tplmade-json",
        "--yes",
        "--format",
        "json",
      ]);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout).hint).toContain(fix);
      const set = await run([
        "deploy",
        "--template",
        t,
        "--stack-name",
        "tplmade-set",
        "--stack-set",
        "--accounts",
        other.id,
        "--regions",
        "us-east-1",
        "--yes",
      ]);
      noTrace(set);
      expect(set.code).toBe(1);
      expect(set.stderr).toContain(fix);
    } finally {
      for (const [i, creds] of [admin, other].entries()) {
        await iam(ep.url, creds).send(
          new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arns[i] }),
        );
      }
    }
  }, 120_000);
});

describe("--format json", () => {
  test("input errors are one JSON document on stdout with the exit code (2)", async () => {
    for (const args of [
      ["deploy", "--stack-name", "x", "--format", "json"],
      ["status", "--format", "json"],
      ["destroy", "--format", "json"],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(2);
      const doc = JSON.parse(r.stdout);
      expect(doc.error.code).toMatch(/^ERR_/);
      expect(doc.error.message.length).toBeGreaterThan(10);
    }
  }, 60_000);
});

describe("status and destroy", () => {
  test("status compares with the config; destroy asks, and refuses without a terminal", async () => {
    const cfg = file("sd.yaml", config("statusws", role("status-one")));
    const d = await run(["deploy", "--config", cfg, "--stack-name", "sd", "--yes"]);
    expect(d.code).toBe(0);
    const ok = await run(["status", "--stack-name", "sd", "--config", cfg]);
    noTrace(ok);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/sd\s+stack\s+CREATE_COMPLETE\s+1\s+yes/);

    writeFileSync(cfg, config("statusws", role("status-one") + role("status-two")));
    const drift = await run(["status", "--stack-name", "sd", "--config", cfg, "--format", "json"]);
    expect(drift.code).toBe(1);
    expect(JSON.parse(drift.stdout)).toMatchObject({ ok: false, units: [{ inSync: false }] });

    const refused = await run(["destroy", "--stack-name", "sd"]);
    noTrace(refused);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/sd\s+stack\s+CREATE_COMPLETE\s+status-one/);
    expect(refused.stderr).toContain("refusing to delete them without confirmation");
    expect(await stackExists("sd")).toBe(true);

    const gone = await run(["destroy", "--stack-name", "sd", "--yes", "--format", "json"]);
    expect(gone.code).toBe(0);
    expect(JSON.parse(gone.stdout)).toMatchObject({
      outcome: "deleted",
      units: [{ name: "sd", outcome: "deleted" }],
    });
    expect(await stackExists("sd")).toBe(false);
    const nothing = await run(["destroy", "--stack-name", "sd", "--yes"]);
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toContain("nothing to delete");
  }, 120_000);
});
