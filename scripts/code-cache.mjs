// Records dist/pipeline.cache and the SDK chunk's dist/chunks/pipeline-sdk.cache: runs
// `bb-oidc credentials`, through the launcher, against a stand-in STS on loopback that answers
// every call with fixed (fake) credentials. The launcher writes V8's code cache at exit, so it
// holds every function a real exchange compiles. The first run is a step's plain exchange (the
// built-in client: no SDK); the second chains a role and checks the account, which loads the SDK
// chunk and records its cache alone. Without a cache the CLI still works (it runs the full CLI
// instead, or compiles the chunk), so a failure here only warns.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const WEB_IDENTITY = `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>{r}:{s}</SubjectFromWebIdentityToken><Audience>build</Audience><AssumedRoleUser><AssumedRoleId>AROABUILDCACHE0000000:build</AssumedRoleId><Arn>arn:aws:sts::111111111111:assumed-role/build/build</Arn></AssumedRoleUser><Credentials><AccessKeyId>ASIABUILDCACHE000000</AccessKeyId><SecretAccessKey>build-time-placeholder-not-a-secret-0000</SecretAccessKey><SessionToken>build-time-placeholder</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><Provider>build</Provider></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`;

const CREDENTIALS = `<Credentials><AccessKeyId>ASIABUILDCACHE000000</AccessKeyId><SecretAccessKey>build-time-placeholder-not-a-secret-0000</SecretAccessKey><SessionToken>build-time-placeholder</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>`;
const META = `<ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata>`;
const ANSWERS = {
  AssumeRoleWithWebIdentity: WEB_IDENTITY,
  AssumeRole: `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROABUILDCACHE0000001:build</AssumedRoleId><Arn>arn:aws:sts::111111111111:assumed-role/next/build</Arn></AssumedRoleUser>${CREDENTIALS}</AssumeRoleResult>${META}</AssumeRoleResponse>`,
  GetCallerIdentity: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::111111111111:assumed-role/next/build</Arn><UserId>AROABUILDCACHE0000001:build</UserId><Account>111111111111</Account></GetCallerIdentityResult>${META}</GetCallerIdentityResponse>`,
};

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");

export async function recordPipelineCache(dist) {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      const answer = ANSWERS[/(?:^|&)Action=(\w+)/.exec(body)?.[1]] ?? WEB_IDENTITY;
      res.writeHead(200, {
        "Content-Type": "text/xml",
        "Content-Length": Buffer.byteLength(answer),
      });
      res.end(answer);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const home = mkdtempSync(join(tmpdir(), "bb-oidc-build-"));
  const now = Math.floor(Date.now() / 1000);
  const token = `${b64({ alg: "RS256", kid: "build" })}.${b64({
    iss: "https://api.bitbucket.org/2.0/workspaces/build/pipelines-config/identity/oidc",
    aud: ["build"],
    sub: "{r}:{s}",
    iat: now,
    exp: now + 3600,
  })}.${Buffer.alloc(256).toString("base64url")}`;
  const credentials = (extraArgs, cacheEnv) =>
    new Promise((resolveExit) => {
      const child = spawn(
        process.execPath,
        [
          resolve(dist, "cli.cjs"),
          "credentials",
          "--role-arn",
          "arn:aws:iam::111111111111:role/build",
          "--endpoint-url",
          `http://127.0.0.1:${server.address().port}`,
          "--format",
          "json",
          ...extraArgs,
        ],
        {
          stdio: ["ignore", "ignore", "pipe"],
          env: {
            PATH: process.env.PATH,
            HOME: home,
            AWS_REGION: "us-east-1",
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
            BITBUCKET_STEP_OIDC_TOKEN: token,
            ...cacheEnv,
          },
        },
      );
      let err = "";
      child.stderr.on("data", (d) => {
        err += d;
      });
      child.on("exit", (c) => resolveExit(c === 0 ? 0 : `${c}: ${err.slice(0, 400)}`));
    });
  const recorded = async (out, run, what) => {
    const code = await run();
    if (code !== 0 || !existsSync(out)) {
      process.stderr.write(
        `build: no ${what} code cache recorded (credentials exited ${code}); the CLI works without it, only starts slower.\n`,
      );
      rmSync(out, { force: true });
      return false;
    }
    return true;
  };
  try {
    const out = resolve(dist, "pipeline.cache");
    const sdkOut = resolve(dist, "chunks", "pipeline-sdk.cache");
    if (await recorded(out, () => credentials([], { BB_OIDC_WRITE_CODE_CACHE: out }), "pipeline")) {
      await recorded(
        sdkOut,
        () =>
          credentials(
            [
              "--chain",
              "arn:aws:iam::111111111111:role/next",
              "--allowed-account-id",
              "111111111111",
            ],
            { BB_OIDC_WRITE_SDK_CODE_CACHE: sdkOut },
          ),
        "AWS SDK chunk",
      );
    }
  } finally {
    server.close();
    rmSync(home, { recursive: true, force: true });
  }
}
