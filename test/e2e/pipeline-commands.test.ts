import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultAudience } from "../../src/bitbucket/index.js";
import { mintToken } from "../../src/emulator/bitbucket/index.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { CLI, runCli, transcript } from "./cli-run.js";

const REPO = "{0b6f3c2e-9d41-4a7e-8c15-3e2f1d0a9b87}";
const OTHER_REPO = "{5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d}";
const A = "111111111111";
const B = "222222222222";

let emu: RunningEmulator;
let home: string;
let trustPolicyFile: string;
const issued: string[] = [];

function iam(account: (typeof emu.accounts)[number]): IAMClient {
  return new IAMClient({
    region: "us-east-1",
    endpoint: emu.awsEndpoint,
    credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
  });
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: home, AWS_ENDPOINT_URL: emu.awsEndpoint, AWS_REGION: "eu-west-1", ...extra };
}

async function mint(opts: Partial<Parameters<typeof mintToken>[1]> = {}): Promise<string> {
  const t = await mintToken(emu.store, { workspace: "acme", repositoryUuid: REPO, ...opts });
  issued.push(t);
  return t;
}

beforeAll(async () => {
  emu = await startEmulator({
    awsPort: 0,
    bitbucketPort: 0,
    accounts: [A, B],
    workspaces: ["acme", "globex"],
  });
  home = mkdtempSync(join(tmpdir(), "bb-oidc-home-"));
  const acme = emu.workspaces.find((w) => w.slug === "acme")!;
  const host = acme.issuer.slice("https://".length);
  const trust = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::${A}:oidc-provider/${host}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [`${host}:aud`]: defaultAudience(acme.uuid) },
          StringLike: { [`${host}:sub`]: `${REPO}:*` },
        },
      },
    ],
  };
  trustPolicyFile = join(home, "trust.json");
  writeFileSync(trustPolicyFile, JSON.stringify(trust));
  const adminA = iam(emu.accounts[0]!);
  const created = await adminA.send(
    new CreateOpenIDConnectProviderCommand({
      Url: acme.issuer,
      ClientIDList: [defaultAudience(acme.uuid)],
    }),
  );
  await adminA.send(
    new AddClientIDToOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: created.OpenIDConnectProviderArn,
      ClientID: "sts.amazonaws.com",
    }),
  );
  await adminA.send(
    new CreateRoleCommand({
      RoleName: "deploy",
      AssumeRolePolicyDocument: JSON.stringify(trust),
      MaxSessionDuration: 7200,
    }),
  );
  await iam(emu.accounts[1]!).send(
    new CreateRoleCommand({
      RoleName: "cross-account",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${A}:role/deploy` },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "sts:ExternalId": "ext-42" } },
          },
        ],
      }),
    }),
  );
});

afterAll(async () => {
  await emu?.close();
});

function parseJsonOut(stdout: string) {
  const out = JSON.parse(stdout) as Record<string, string>;
  issued.push(out.SecretAccessKey!, out.SessionToken!);
  return out;
}

async function callerArn(c: Record<string, string>): Promise<string> {
  const sts = new STSClient({
    region: "us-east-1",
    endpoint: emu.awsEndpoint,
    credentials: {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    },
  });
  return (await sts.send(new GetCallerIdentityCommand({}))).Arn!;
}

/** GetCallerIdentity from a child process whose SDK resolves credentials on its own. */
function sdkCallerArn(env: NodeJS.ProcessEnv): Promise<string> {
  const script = `
    import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
    const who = await new STSClient({}).send(new GetCallerIdentityCommand({}));
    process.stdout.write(who.Arn);`;
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...env,
      },
    });
    let s = "";
    let e = "";
    child.stdout.on("data", (d) => (s += d));
    child.stderr.on("data", (d) => (e += d));
    child.on("close", (code) => (code === 0 ? resolve(s) : reject(new Error(e))));
  });
}

async function injectFaults(spec: object): Promise<void> {
  const r = await fetch(`${emu.awsEndpoint}/_emulator/faults`, {
    method: "POST",
    body: JSON.stringify(spec),
    headers: { "content-type": "application/json" },
  });
  expect(r.status).toBeLessThan(300);
}

describe("bb-oidc credentials against the emulator", () => {
  it("exchanges the step token and the credentials work with the AWS SDK", async () => {
    const r = await runCli(
      ["credentials", "--role-arn", `arn:aws:iam::${A}:role/deploy`, "--format", "json"],
      {
        env: env({
          BITBUCKET_STEP_OIDC_TOKEN: await mint(),
          BITBUCKET_REPO_SLUG: "web",
          BITBUCKET_BUILD_NUMBER: "7",
        }),
      },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const c = parseJsonOut(r.stdout);
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(c.Region).toBe("eu-west-1");
    expect(c.AssumedRoleArn).toBe(`arn:aws:sts::${A}:assumed-role/deploy/bb-web-7`);
    expect(await callerArn(c)).toBe(`arn:aws:sts::${A}:assumed-role/deploy/bb-web-7`);
  });

  it("prints shell-safe export lines by default", async () => {
    const r = await runCli(
      ["credentials", "--role-arn", `arn:aws:iam::${A}:role/deploy`, "--session-name", "s1"],
      {
        env: env({ BITBUCKET_STEP_OIDC_TOKEN: await mint() }),
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^export AWS_ACCESS_KEY_ID='ASIA/m);
    expect(r.stdout).toMatch(/^export AWS_SESSION_TOKEN='/m);
    for (const m of r.stdout.matchAll(
      /^export AWS_(?:SECRET_ACCESS_KEY|SESSION_TOKEN)='([^']+)'/gm,
    ))
      issued.push(m[1]!);
  });

  it("chains into a role of another account with an external ID", async () => {
    const r = await runCli(
      [
        "credentials",
        "--role-arn",
        `arn:aws:iam::${A}:role/deploy`,
        "--chain",
        `arn:aws:iam::${B}:role/cross-account,external-id=ext-42`,
        "--duration",
        "7200",
        "--session-name",
        "chain",
        "--format",
        "json",
      ],
      { env: env({ BITBUCKET_STEP_OIDC_TOKEN: await mint() }) },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("a chained role session lasts at most 1 hour");
    const c = parseJsonOut(r.stdout);
    expect(await callerArn(c)).toBe(`arn:aws:sts::${B}:assumed-role/cross-account/chain`);
  });

  it("refuses credentials of an account that is not allowed, printing nothing secret", async () => {
    const r = await runCli(
      [
        "credentials",
        "--role-arn",
        `arn:aws:iam::${A}:role/deploy`,
        "--allowed-account-id",
        B,
        "--format",
        "json",
      ],
      { env: env({ BITBUCKET_STEP_OIDC_TOKEN: await mint() }) },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`account ${A}, which is not among the allowed accounts (${B})`);
  });

  it("says the step needs oidc: true when the token variable is empty", async () => {
    const r = await runCli(["credentials", "--role-arn", `arn:aws:iam::${A}:role/deploy`], {
      env: env({ BITBUCKET_STEP_OIDC_TOKEN: "" }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("oidc: true");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("a token variable that holds no JWT names where it came from and what to pass", async () => {
    for (const command of ["credentials", "exec", "configure"]) {
      const r = await runCli(
        [
          command,
          "--role-arn",
          `arn:aws:iam::${A}:role/deploy`,
          ...(command === "exec" ? ["--", "true"] : []),
        ],
        { env: env({ BITBUCKET_STEP_OIDC_TOKEN: "x.y.z" }) },
      );
      expect(r.code, command).toBe(2);
      expect(r.stderr, command).toContain("BITBUCKET_STEP_OIDC_TOKEN: this is not a JWT");
      expect(r.stderr, command).toContain("→ Pass the step's $BITBUCKET_STEP_OIDC_TOKEN unchanged");
    }
  });

  it("refuses an invalid session name before any call", async () => {
    const r = await runCli(
      [
        "credentials",
        "--role-arn",
        `arn:aws:iam::${A}:role/deploy`,
        "--session-name",
        "no spaces please",
      ],
      {
        env: env({ BITBUCKET_STEP_OIDC_TOKEN: await mint() }),
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("not a valid role session name");
  });

  it("names the failing trust condition on AccessDenied when the trust policy is given", async () => {
    const r = await runCli(
      [
        "credentials",
        "--role-arn",
        `arn:aws:iam::${A}:role/deploy`,
        "--trust-policy",
        trustPolicyFile,
      ],
      { env: env({ BITBUCKET_STEP_OIDC_TOKEN: await mint({ repositoryUuid: OTHER_REPO }) }) },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("AccessDenied");
    expect(r.stderr).toContain(`wanted "${REPO}:*"`);
    expect(r.stderr).toContain(`StringLike "${OTHER_REPO}:*"`);
    expect(r.stdout).toBe("");
  });

  it("reads the live trust policy through IAM when read credentials exist", async () => {
    const admin = emu.accounts[0]!;
    const r = await runCli(["credentials", "--role-arn", `arn:aws:iam::${A}:role/deploy`], {
      env: env({
        BITBUCKET_STEP_OIDC_TOKEN: await mint({ repositoryUuid: OTHER_REPO }),
        AWS_ACCESS_KEY_ID: admin.accessKeyId,
        AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
      }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("iam:GetRole");
    expect(r.stderr).toContain(`wanted "${REPO}:*"`);
    expect(r.stderr).not.toContain(admin.secretAccessKey);
  });

  it("without a reachable trust policy, shows the token's claims next to the role", async () => {
    const r = await runCli(["credentials", "--role-arn", `arn:aws:iam::${A}:role/deploy`], {
      env: env({
        BITBUCKET_STEP_OIDC_TOKEN: await mint({ repositoryUuid: OTHER_REPO, branch: "feature/x" }),
      }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Not authorized to perform sts:AssumeRoleWithWebIdentity");
    expect(r.stderr).toMatch(/repositoryUuid\s+\{5a4b3c2d/);
    expect(r.stderr).toMatch(/branchName\s+feature\/x/);
    expect(r.stderr).toContain(`arn:aws:iam::${A}:role/deploy`);
  });

  it("explains an audience mismatch with Bitbucket's default audience format", async () => {
    const r = await runCli(["credentials", "--role-arn", `arn:aws:iam::${A}:role/deploy`], {
      env: env({
        BITBUCKET_STEP_OIDC_TOKEN: await mint({ audiences: ["https://not-registered.example"] }),
      }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Incorrect token audience");
    expect(r.stderr).toContain('["https://not-registered.example"]');
    expect(r.stderr).toContain(defaultAudience(emu.workspaces[0]!.uuid));
  });

  it("names the issuer and the provider ARN to create when there is no provider", async () => {
    const r = await runCli(["credentials", "--role-arn", `arn:aws:iam::${A}:role/deploy`], {
      env: env({ BITBUCKET_STEP_OIDC_TOKEN: await mint({ workspace: "globex" }) }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "No OpenIDConnect provider found in your account for https://api.bitbucket.org/2.0/workspaces/globex/pipelines-config/identity/oidc",
    );
    expect(r.stderr).toContain(
      `arn:aws:iam::${A}:oidc-provider/api.bitbucket.org/2.0/workspaces/globex/pipelines-config/identity/oidc`,
    );
  });

  it("says by how much an expired token is late", async () => {
    const r = await runCli(["credentials", "--role-arn", `arn:aws:iam::${A}:role/deploy`], {
      env: env({ BITBUCKET_STEP_OIDC_TOKEN: await mint({ expired: true }) }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ExpiredTokenException");
    expect(r.stderr).toMatch(/expired (59|60|61) min \d+ s ago/);
  });

  it("retries injected 500s and throttling, then succeeds", async () => {
    await injectFaults({
      action: "AssumeRoleWithWebIdentity",
      status: 500,
      code: "InternalFailure",
      count: 1,
    });
    await injectFaults({
      action: "AssumeRoleWithWebIdentity",
      status: 400,
      code: "Throttling",
      count: 1,
    });
    const r = await runCli(
      ["credentials", "--role-arn", `arn:aws:iam::${A}:role/deploy`, "--format", "json"],
      {
        env: env({ BITBUCKET_STEP_OIDC_TOKEN: await mint() }),
      },
    );
    expect(r.code).toBe(0);
    expect(r.stderr.match(/retrying in/g)?.length).toBe(2);
    expect(r.stderr).toContain("InternalFailure");
    expect(r.stderr).toContain("Throttling");
    parseJsonOut(r.stdout);
  });

  it("does not retry AccessDenied", async () => {
    const r = await runCli(["credentials", "--role-arn", `arn:aws:iam::${A}:role/deploy`], {
      env: env({ BITBUCKET_STEP_OIDC_TOKEN: await mint({ repositoryUuid: OTHER_REPO }) }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("retrying");
  });

  it("stops retrying when the token would expire during the retries", async () => {
    const now = Math.floor(Date.now() / 1000);
    // exp is 298 s ago: STS accepts it for 2 more seconds, less than the retries would take.
    const token = await mint({ now: now - 3600 - 298 });
    await injectFaults({
      action: "AssumeRoleWithWebIdentity",
      status: 503,
      code: "ServiceUnavailable",
      count: 20,
    });
    const r = await runCli(["credentials", "--role-arn", `arn:aws:iam::${A}:role/deploy`], {
      env: env({ BITBUCKET_STEP_OIDC_TOKEN: token }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr.match(/retrying in/g)?.length ?? 0).toBeLessThan(4);
    // Leave no fault behind for the next test.
    await fetch(`${emu.awsEndpoint}/_emulator/faults`, { method: "DELETE" });
  });
});

describe("bb-oidc credentials on a terminal", () => {
  const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
  it.skipIf(!hasScript)("warns on stderr before printing secrets to a terminal", async () => {
    const tokenFile = join(home, "tty-token");
    writeFileSync(tokenFile, await mint(), { mode: 0o600 });
    const cmd = `${process.execPath} ${CLI} credentials --role-arn arn:aws:iam::${A}:role/deploy --token @${tokenFile} --format json`;
    // script(1) gives the CLI a pseudo-terminal, as an interactive shell would.
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn("script", ["-qec", cmd, "/dev/null"], {
        env: { ...env(), TERM: "dumb" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let s = "";
      child.stdout.on("data", (d) => (s += d));
      child.on("error", reject);
      child.on("close", () => resolve(s));
    });
    expect(out).toContain("warning: printing secret credentials to a terminal");
    const secret = /"SecretAccessKey": "([^"]+)"/.exec(out)?.[1];
    expect(secret).toBeTruthy();
    issued.push(secret!);
  });
});

describe("bb-oidc credentials --profile", () => {
  it("writes 0600 profile entries next to existing ones, and the SDK uses them", async () => {
    const h = mkdtempSync(join(tmpdir(), "bb-oidc-profile-"));
    const aws = join(h, ".aws");
    await import("node:fs").then((fs) => {
      fs.mkdirSync(aws);
      fs.writeFileSync(
        join(aws, "credentials"),
        "[other]\naws_access_key_id = AKIAKEEPME\naws_secret_access_key = keep\n",
      );
      fs.writeFileSync(join(aws, "config"), "[profile other]\nregion = ap-south-1\n");
    });
    const r = await runCli(
      [
        "credentials",
        "--role-arn",
        `arn:aws:iam::${A}:role/deploy`,
        "--profile",
        "ci",
        "--session-name",
        "prof",
      ],
      {
        env: {
          HOME: h,
          AWS_ENDPOINT_URL: emu.awsEndpoint,
          AWS_REGION: "eu-west-1",
          BITBUCKET_STEP_OIDC_TOKEN: await mint(),
        },
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const creds = readFileSync(join(aws, "credentials"), "utf8");
    expect(creds).toContain("[other]\naws_access_key_id = AKIAKEEPME");
    expect(creds).toMatch(/\[ci\]\naws_access_key_id = ASIA/);
    expect(statSync(join(aws, "credentials")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(aws, "config"), "utf8")).toContain("[profile ci]\nregion = eu-west-1");
    for (const m of creds.matchAll(/^aws_(?:secret_access_key|session_token) = (.+)$/gm))
      issued.push(m[1]!);
    const out = await sdkCallerArn({
      HOME: h,
      AWS_PROFILE: "ci",
      AWS_ENDPOINT_URL: emu.awsEndpoint,
    });
    expect(out).toBe(`arn:aws:sts::${A}:assumed-role/deploy/prof`);
  });
});

describe("bb-oidc exec", () => {
  it("runs the command with the credentials in its environment only and returns its status", async () => {
    const r = await runCli(
      [
        "exec",
        "--role-arn",
        `arn:aws:iam::${A}:role/deploy`,
        "--",
        process.execPath,
        "-e",
        "process.stdout.write((process.env.AWS_ACCESS_KEY_ID||'').slice(0,4)+' '+(process.env.AWS_SESSION_TOKEN?'token':'none')); process.exit(7)",
      ],
      { env: env({ BITBUCKET_STEP_OIDC_TOKEN: await mint() }) },
    );
    expect(r.stdout).toBe("ASIA token");
    expect(r.code).toBe(7);
    expect(r.stderr).toBe("");
  });

  it("forwards signals to the command", async () => {
    const script =
      "process.on('SIGTERM',()=>{process.stdout.write('got SIGTERM');process.exit(42)});setInterval(()=>{},1000);process.stdout.write('ready ')";
    const r = await runCli(
      ["exec", "--role-arn", `arn:aws:iam::${A}:role/deploy`, "--", process.execPath, "-e", script],
      {
        env: env({ BITBUCKET_STEP_OIDC_TOKEN: await mint() }),
        onStdout: (chunk, child) => {
          if (chunk.includes("ready")) child.kill("SIGTERM");
        },
      },
    );
    expect(r.stdout).toBe("ready got SIGTERM");
    expect(r.code).toBe(42);
  });

  it("passes stdin through", async () => {
    const r = await runCli(
      [
        "exec",
        "--role-arn",
        `arn:aws:iam::${A}:role/deploy`,
        "--",
        process.execPath,
        "-e",
        "process.stdin.pipe(process.stdout)",
      ],
      { env: env({ BITBUCKET_STEP_OIDC_TOKEN: await mint() }), input: "hello through exec" },
    );
    expect(r.stdout).toBe("hello through exec");
    expect(r.code).toBe(0);
  });
});

describe("bb-oidc configure", () => {
  it("writes a 0600 token file and a profile the AWS SDK uses natively", async () => {
    const h = mkdtempSync(join(tmpdir(), "bb-oidc-conf-"));
    writeFileSync(join(h, "existing"), "");
    const token = await mint();
    const r = await runCli(
      [
        "configure",
        "--role-arn",
        `arn:aws:iam::${A}:role/deploy`,
        "--profile",
        "ci",
        "--session-name",
        "native",
      ],
      {
        env: {
          HOME: h,
          BITBUCKET_STEP_OIDC_TOKEN: token,
          AWS_REGION: "eu-central-1",
          BITBUCKET_CLONE_DIR: h,
        },
      },
    );
    expect(r.code).toBe(0);
    const tokenFile = join(h, ".bb-oidc", "web-identity-token");
    expect(readFileSync(tokenFile, "utf8")).toBe(token);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const config = readFileSync(join(h, ".aws", "config"), "utf8");
    expect(config).toContain("[profile ci]");
    expect(config).toContain(`role_arn = arn:aws:iam::${A}:role/deploy`);
    expect(config).toContain(`web_identity_token_file = ${tokenFile}`);

    // A real SDK client resolving credentials from that profile.
    const out = await sdkCallerArn({
      HOME: h,
      AWS_PROFILE: "ci",
      AWS_ENDPOINT_URL: emu.awsEndpoint,
    });
    expect(out).toBe(`arn:aws:sts::${A}:assumed-role/deploy/native`);
  });

  it("--print-env prints the three export lines and never the token", async () => {
    const token = await mint();
    const r = await runCli(
      [
        "configure",
        "--role-arn",
        `arn:aws:iam::${A}:role/deploy`,
        "--print-env",
        "--token-file",
        join(home, "tok"),
      ],
      {
        env: env({ BITBUCKET_STEP_OIDC_TOKEN: token }),
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual([
      `export AWS_ROLE_ARN='arn:aws:iam::${A}:role/deploy'`,
      `export AWS_WEB_IDENTITY_TOKEN_FILE='${join(home, "tok")}'`,
      expect.stringMatching(/^export AWS_ROLE_SESSION_NAME='bb-oidc-\d+'$/),
    ]);
  });
});

describe("secrets", () => {
  it("no issued secret appears in anything printed, outside the explicit credential outputs", () => {
    const explicit = (args: string[]) => args[0] === "credentials" && !args.includes("--profile");
    expect(issued.length).toBeGreaterThan(10);
    for (const run of transcript) {
      for (const secret of issued) {
        if (!secret) continue;
        expect(run.stderr.includes(secret), `stderr of ${run.args.join(" ")}`).toBe(false);
        if (!explicit(run.args))
          expect(run.stdout.includes(secret), `stdout of ${run.args.join(" ")}`).toBe(false);
      }
    }
  });
});
