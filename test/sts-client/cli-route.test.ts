import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveStsEndpoint } from "../../src/cli/pipeline-env.js";
import { userAgent } from "../../src/cli/sts-settings.js";
import { BUILT_CLI, ensureBuilt } from "../support/built-cli.js";
import {
  type PipelineWorld,
  ROLE_ARN,
  run,
  startPipelineWorld,
} from "../support/pipeline-world.js";

/**
 * Which client a step's `credentials` uses, as a user meets it: bb-oidc's own for the web
 * identity (the AWS SDK only for signed hops), the SDK whenever the shared config holds a
 * setting only the SDK applies, and the SDK's own refusals of FIPS/dual-stack settings made
 * before any call.
 */
let world: PipelineWorld;
let home: string;
let standIn: Server;
let standInUrl: string;
const seen: { action: string; headers: IncomingHttpHeaders }[] = [];

const CREDS = `<Credentials><AccessKeyId>ASIASTANDIN000000000</AccessKeyId><SecretAccessKey>stand-in-not-a-secret</SecretAccessKey><SessionToken>stand-in-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>`;
const ARN = `<AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId><Arn>arn:aws:sts::111111111111:assumed-role/next/s</Arn></AssumedRoleUser>`;

function bb(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [BUILT_CLI, ...args], {
    PATH: process.env.PATH,
    HOME: home,
    AWS_REGION: "eu-west-1",
    ...env,
  });
}

beforeAll(async () => {
  ensureBuilt();
  world = await startPipelineWorld();
  home = mkdtempSync(join(world.dir, "home-"));
  standIn = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      const action = /(?:^|&)Action=(\w+)/.exec(body)?.[1] ?? "";
      seen.push({ action, headers: req.headers });
      res.writeHead(200, { "content-type": "text/xml" });
      res.end(
        `<${action}Response><${action}Result>${CREDS}${ARN}</${action}Result></${action}Response>`,
      );
    });
  });
  await new Promise<void>((r) => standIn.listen(0, "127.0.0.1", r));
  standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
});

afterAll(async () => {
  standIn?.close();
  await world?.close();
});

describe("the client a step's exchange goes through", () => {
  it("is bb-oidc's own for the web identity, the SDK for a chained hop; both name bb-oidc", async () => {
    seen.length = 0;
    const r = await bb(
      [
        "credentials",
        "--role-arn",
        ROLE_ARN,
        "--chain",
        "arn:aws:iam::111111111111:role/next",
        "--endpoint-url",
        standInUrl,
        "--format",
        "json",
      ],
      { BITBUCKET_STEP_OIDC_TOKEN: await world.mint(), AWS_SDK_UA_APP_ID: "deploy-pipeline" },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(seen.map((s) => s.action)).toEqual(["AssumeRoleWithWebIdentity", "AssumeRole"]);
    const [web, hop] = seen.map((s) => String(s.headers["user-agent"]));
    expect(web).toMatch(
      /^bb-oidc\/\d+\.\d+\.\d+ os\/\w+#\S+ lang\/js md\/nodejs#\S+ app\/deploy-pipeline$/,
    );
    expect(hop).toMatch(/^aws-sdk-js\/\S+ .* app\/deploy-pipeline bb-oidc\/\d+\.\d+\.\d+$/);
    expect(seen[1]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it("is the SDK when the profile sets what only the SDK applies (here its endpoint_url)", async () => {
    const dir = mkdtempSync(join(world.dir, "cfg-"));
    mkdirSync(join(dir, ".aws"));
    writeFileSync(
      join(dir, ".aws", "config"),
      `[default]\nendpoint_url = ${world.emu.awsEndpoint}\n`,
    );
    try {
      const r = await bb(
        [
          "credentials",
          "--role-arn",
          ROLE_ARN,
          "--format",
          "json",
          "--session-name",
          "cfg",
          "--debug",
        ],
        { HOME: dir, BITBUCKET_STEP_OIDC_TOKEN: await world.mint() },
      );
      expect(r.stderr).toContain(
        `bb-oidc: AssumeRoleWithWebIdentity goes through the AWS SDK: profile "default" in ${join(dir, ".aws", "config")} sets endpoint_url`,
      );
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).AccessKeyId).toMatch(/^ASIA/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses FIPS or dual-stack with a custom endpoint before any call, as the SDK does", async () => {
    seen.length = 0;
    for (const [variable, text] of [
      ["AWS_USE_FIPS_ENDPOINT", "FIPS"],
      ["AWS_USE_DUALSTACK_ENDPOINT", "Dualstack"],
    ] as const) {
      const r = await bb(["credentials", "--role-arn", ROLE_ARN, "--endpoint-url", standInUrl], {
        BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
        [variable]: "true",
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `Invalid Configuration: ${text} and custom endpoint are not supported`,
      );
    }
    expect(seen).toEqual([]);
  });

  it("refuses an SDK switch that is neither true nor false, and a region that is no host name", async () => {
    const fips = await bb(["credentials", "--role-arn", ROLE_ARN], {
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
      AWS_USE_FIPS_ENDPOINT: "yes",
    });
    expect(fips.code).toBe(2);
    expect(fips.stderr).toContain(
      'AWS_USE_FIPS_ENDPOINT is "yes"; the AWS SDKs take "true" or "false" there.',
    );
    const region = await bb(["credentials", "--role-arn", ROLE_ARN, "--region", "eu_west_1"], {
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
    });
    expect(region.code).toBe(2);
    expect(region.stderr).toContain('--region: "eu_west_1" is not an AWS region name.');
  });
});

describe("settings read from the environment", () => {
  it("drops AWS_ENDPOINT_URL(_STS) under AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true, keeps the flag", () => {
    const env = { AWS_ENDPOINT_URL_STS: "http://a:1", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" };
    expect(resolveStsEndpoint(undefined, env)).toBeUndefined();
    expect(resolveStsEndpoint("http://flag:2", env)).toBe("http://flag:2");
    expect(resolveStsEndpoint(undefined, { AWS_ENDPOINT_URL: "http://b:3" })).toBe("http://b:3");
  });

  it("names the execution environment and app ID in the user agent", () => {
    expect(userAgent({ AWS_EXECUTION_ENV: "CI", AWS_SDK_UA_APP_ID: "my app" })).toMatch(
      / exec-env\/CI app\/my-app$/,
    );
  });
});
