import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACCOUNT,
  botoCallerArn,
  callerArnOf,
  type PipelineWorld,
  ROLE_ARN,
  run,
  sdkCallerArn,
  startPipelineWorld,
} from "../support/pipeline-world.js";
import { CLI } from "./cli-run.js";

/**
 * The pipeline commands as a user meets them in a step: profiles every SDK resolves alike,
 * exec's exit codes and environment, and the settings configure-aws-credentials users expect
 * (start from keys, per-hop chain settings, retries, an overall timeout).
 */
let world: PipelineWorld;
const HOP_ARN = `arn:aws:iam::${ACCOUNT}:role/hop`;
const FROM_KEYS_ARN = `arn:aws:iam::${ACCOUNT}:role/from-keys`;

function bb(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [CLI, ...args], {
    PATH: process.env.PATH,
    HOME: world.dir,
    AWS_REGION: "eu-west-1",
    AWS_ENDPOINT_URL: world.emu.awsEndpoint,
    ...env,
  });
}

function rootKeys() {
  const a = world.emu.accounts[0]!;
  return { AWS_ACCESS_KEY_ID: a.accessKeyId, AWS_SECRET_ACCESS_KEY: a.secretAccessKey };
}

/**
 * Keys of a principal that may assume roles (the account root may not): a pipeline session of
 * the deploy role, as a step that already holds credentials has them.
 */
async function sessionKeys(): Promise<Record<string, string>> {
  const r = await bb(["credentials", "--role-arn", ROLE_ARN, "--format", "json"], {
    BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
  });
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as Record<string, string>;
  world.issued.push(out.SecretAccessKey!, out.SessionToken!);
  return {
    AWS_ACCESS_KEY_ID: out.AccessKeyId!,
    AWS_SECRET_ACCESS_KEY: out.SecretAccessKey!,
    AWS_SESSION_TOKEN: out.SessionToken!,
  };
}

beforeAll(async () => {
  world = await startPipelineWorld();
  const iam = new IAMClient({
    region: "us-east-1",
    endpoint: world.emu.awsEndpoint,
    credentials: {
      accessKeyId: world.emu.accounts[0]!.accessKeyId,
      secretAccessKey: world.emu.accounts[0]!.secretAccessKey,
    },
  });
  const trusting = (principal: string | string[]) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: principal }, Action: "sts:AssumeRole" }],
    });
  await iam.send(
    new CreateRoleCommand({
      RoleName: "from-keys",
      AssumeRolePolicyDocument: trusting(`arn:aws:iam::${ACCOUNT}:root`),
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: "hop",
      AssumeRolePolicyDocument: trusting([ROLE_ARN, FROM_KEYS_ARN]),
    }),
  );
  iam.destroy();
});

afterAll(async () => {
  await world?.close();
});

describe("configure --profile", () => {
  it("turns an existing profile into the web identity in both SDKs, other profiles untouched", async () => {
    const config = join(world.dir, "config-a");
    const credentials = join(world.dir, "credentials-a");
    const keep = "[profile keep]\r\nregion = ap-south-1\r\n\r\n\r\n; a comment\r\n";
    writeFileSync(
      config,
      `${keep}[profile ci]\r\nsource_profile = keep\r\ncredential_process = /bin/false\r\n`,
    );
    writeFileSync(credentials, "[ci]\naws_access_key_id = AKIASTALE\naws_secret_access_key = x\n");
    const files = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
    const r = await bb(["configure", "--role-arn", ROLE_ARN, "--profile", "ci"], {
      ...files,
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'removed from profile "ci": source_profile, credential_process, aws_access_key_id (credentials file), aws_secret_access_key (credentials file)',
    );
    expect(readFileSync(config, "utf8").startsWith(keep)).toBe(true);
    expect(readFileSync(credentials, "utf8")).toBe("");

    const env = { ...files, AWS_PROFILE: "ci", AWS_ENDPOINT_URL: world.emu.awsEndpoint };
    const js = await sdkCallerArn(env);
    const boto = await botoCallerArn(env);
    expect({ js: js.stdout, boto: boto.stdout }).toEqual({
      js: expect.stringMatching(/^arn:aws:sts::111111111111:assumed-role\/deploy\/bb-oidc-\d+$/),
      boto: js.stdout,
    });
  });

  it("warns when static keys in the environment would win over the profile, as they do", async () => {
    const config = join(world.dir, "config-b");
    const r = await bb(["configure", "--role-arn", ROLE_ARN, "--profile", "ci"], {
      AWS_CONFIG_FILE: config,
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
      ...rootKeys(),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "warning: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set in this environment",
    );
    // What the warning says: botocore takes the keys, though AWS_PROFILE names the profile.
    const boto = await botoCallerArn({
      AWS_CONFIG_FILE: config,
      AWS_PROFILE: "ci",
      AWS_ENDPOINT_URL: world.emu.awsEndpoint,
      ...rootKeys(),
    });
    expect(boto.stdout).toBe(`arn:aws:iam::${ACCOUNT}:root`);
  });

  it("refuses an expired token saying when it expired, and one about to expire", async () => {
    const expired = await bb(["configure", "--role-arn", ROLE_ARN], {
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint({ expired: true }),
    });
    expect(expired.code).toBe(2);
    expect(expired.stderr).toMatch(
      /The token expired at \d{4}-\d\d-\d\dT[\d:.]+Z \(60 min ago\): a profile made from it cannot get credentials/,
    );
    const soon = await bb(["configure", "--role-arn", ROLE_ARN], {
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint({ ttlSeconds: 100 }),
    });
    expect(soon.code).toBe(2);
    expect(soon.stderr).toMatch(/The token expires at .*, in \d+ s: .*would stop working/);
    expect(soon.stderr).toContain("--duration");
  });
});

describe("the plain AWS CLI snippet", () => {
  it("botocore assumes the role from a token file written with printf '%s', or with echo", async () => {
    for (const [name, text] of [
      ["printf", await world.mint()],
      ["echo", `${await world.mint()}\n`],
    ] as const) {
      const file = join(world.dir, `web-identity-token-${name}`);
      writeFileSync(file, text);
      const who = await botoCallerArn({
        AWS_DEFAULT_REGION: "eu-west-1",
        AWS_ROLE_ARN: ROLE_ARN,
        AWS_WEB_IDENTITY_TOKEN_FILE: file,
        AWS_ROLE_SESSION_NAME: name,
        AWS_ENDPOINT_URL: world.emu.awsEndpoint,
        HOME: world.dir,
      });
      expect(who.stdout, who.stderr).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/${name}`);
    }
  });
});

describe("exec", () => {
  it("exits 127 for a command not found and 126 for a file that is not executable", async () => {
    const env = { BITBUCKET_STEP_OIDC_TOKEN: await world.mint() };
    const missing = await bb(["exec", "--role-arn", ROLE_ARN, "--", "no-such-tool", "x"], env);
    expect(missing).toMatchObject({
      code: 127,
      stderr: "bb-oidc: exec: command not found: no-such-tool (not on PATH)\n",
    });
    const script = join(world.dir, "not-executable.sh");
    writeFileSync(script, "echo hi\n");
    chmodSync(script, 0o644);
    const denied = await bb(["exec", "--role-arn", ROLE_ARN, "--", script], env);
    expect(denied.code).toBe(126);
    expect(denied.stderr).toContain(`permission denied: ${script} is not an executable file`);
  });

  it("hands the command the role's credentials and none of the step's own", async () => {
    const r = await bb(
      ["exec", "--role-arn", ROLE_ARN, "--", "sh", "-c", "env | grep '^AWS_' | cut -d= -f1 | sort"],
      {
        BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
        ...rootKeys(),
        AWS_SECURITY_TOKEN: "stale-session-token-from-the-step",
        AWS_PROFILE: "admin",
        AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://169.254.170.2/creds",
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_CREDENTIAL_EXPIRATION",
      "AWS_DEFAULT_REGION",
      "AWS_ENDPOINT_URL",
      "AWS_REGION",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
    ]);
    const keys = await bb(
      ["exec", "--role-arn", ROLE_ARN, "--", "sh", "-c", 'printf %s "$AWS_ACCESS_KEY_ID"'],
      { BITBUCKET_STEP_OIDC_TOKEN: await world.mint(), ...rootKeys() },
    );
    expect(keys.stdout).toMatch(/^ASIA/);
  });
});

describe("parity with configure-aws-credentials", () => {
  it("starts a chain from the keys in the environment, then chains with per-hop settings", async () => {
    const policy = join(world.dir, "hop-policy.json");
    writeFileSync(
      policy,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
      }),
    );
    const r = await bb(
      [
        "credentials",
        "--from-env-credentials",
        "--role-arn",
        FROM_KEYS_ARN,
        "--session-name",
        "first",
        "--chain",
        `${HOP_ARN},session-name=second,duration=900,policy=@${policy}`,
        "--format",
        "json",
      ],
      await sessionKeys(),
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, string>;
    world.issued.push(out.SecretAccessKey!, out.SessionToken!);
    // The chain's second hop assumes `hop` from the first hop's session of from-keys.
    expect(out.AssumedRoleArn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/hop/second`);
    const left = Date.parse(out.Expiration!) - Date.now();
    expect(left).toBeGreaterThan(800_000);
    expect(left).toBeLessThanOrEqual(900_000);
    expect(await callerArnOf(world.emu.awsEndpoint, r.stdout)).toBe(out.AssumedRoleArn);
  });

  it("refuses a chained hop longer than AWS's one hour, and unknown hop settings, before any call", async () => {
    const long = await bb(
      ["credentials", "--role-arn", ROLE_ARN, "--chain", `${HOP_ARN},duration=7200`],
      {
        BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
      },
    );
    expect(long.code).toBe(2);
    expect(long.stderr).toContain("a chained role session lasts 900–3600 seconds");
    const odd = await bb(["credentials", "--role-arn", ROLE_ARN, "--chain", `${HOP_ARN},role=x`], {
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
    });
    expect(odd.code).toBe(2);
    expect(odd.stderr).toContain('"role" is not a setting of a hop');
    const keyless = await bb([
      "credentials",
      "--from-env-credentials",
      "--role-arn",
      FROM_KEYS_ARN,
    ]);
    expect(keyless.code).toBe(2);
    expect(keyless.stderr).toContain(
      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set",
    );
  });

  it("--no-retry makes one attempt; --max-attempts sets how many", async () => {
    const fault = (count: number) =>
      fetch(`${world.emu.awsEndpoint}/_emulator/faults`, {
        method: "POST",
        body: JSON.stringify({
          action: "AssumeRoleWithWebIdentity",
          status: 503,
          code: "ServiceUnavailable",
          count,
        }),
      });
    await fault(1);
    const once = await bb(["credentials", "--role-arn", ROLE_ARN, "--no-retry"], {
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
    });
    expect(once.code).toBe(1);
    expect(once.stderr).not.toContain("retrying");
    expect(once.stderr).toContain("ServiceUnavailable");
    await fault(2);
    const twice = await bb(["credentials", "--role-arn", ROLE_ARN, "--max-attempts", "2"], {
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
    });
    expect(twice.code).toBe(1);
    expect(twice.stderr.match(/retrying in/g)).toHaveLength(1);
  });

  it("--timeout bounds the whole exchange when STS never answers", async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const port = (silent.address() as { port: number }).port;
      const started = Date.now();
      const r = await bb(
        [
          "credentials",
          "--role-arn",
          ROLE_ARN,
          "--timeout",
          "2",
          "--endpoint-url",
          `http://127.0.0.1:${port}`,
        ],
        { BITBUCKET_STEP_OIDC_TOKEN: await world.mint() },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        "AssumeRoleWithWebIdentity had no answer within the exchange's 2 s",
      );
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      silent.close();
    }
  });
});

describe("--debug", () => {
  it("prints an error once, with stack frames mapped to the source", async () => {
    const r = await bb(["credentials", "--role-arn", "not-an-arn", "--debug"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('"not-an-arn" is not a role ARN').length).toBe(2);
    expect(r.stderr).toMatch(/^\s+at .*\(src\/cli\/exchange-command\.ts:\d+:\d+\)/m);
  });
});
