import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { defaultAudience } from "../../bitbucket/index.js";
import { type CONFIG_PLACEHOLDERS, fillPlaceholders } from "../../discover/index.js";
import { defaultIpRangesFeed, mintToken } from "../../emulator/bitbucket/index.js";
import { type RunningEmulator, startEmulator } from "../../emulator/index.js";
import {
  type CommandRun,
  type DemoIo,
  DemoStepFailed,
  indent,
  runSelf,
  shownCommand,
} from "./runner.js";
import { seedStyleTemplate } from "./seed-style.js";

const ACCOUNT = "111111111111";
const ROLE = "deploy-web-prod";
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE}`;
// The repositories and environment of the story (any braced UUIDs would do).
const WEB_REPO = "{7c1e9a40-5b2d-4e8f-a6c3-0d9b8e7f1a25}";
const API_REPO = "{b8d2f4a6-0c1e-4a3b-8d5f-7e9a1c3b5d70}";
const PRODUCTION = "{e2b4c6d8-1a3f-4b5c-9d7e-6f8a0b2c4d6e}";

export interface DemoOptions {
  cliPath: string;
  keepRunning: boolean;
  io: DemoIo;
  /** Resolves when the user asks a kept-running demo to stop. */
  waitForStop: () => Promise<void>;
}

/**
 * The seed recipe, done with bb-oidc against the embedded emulator: discover, template, lint,
 * who-can, deploy, a pipeline step's exchange, the refusals explained, and the seed's own
 * configuration linted. Every command runs as the user would run it.
 */
export async function runDemo(opts: DemoOptions): Promise<void> {
  const { io } = opts;
  const started = Date.now();
  const work = await mkdtemp(join(tmpdir(), "bb-oidc-demo-"));
  let emu: RunningEmulator | undefined;
  try {
    emu = await startEmulator({
      awsPort: 0,
      bitbucketPort: 0,
      accounts: [ACCOUNT],
      workspaces: ["acme", "globex"],
    });
    const running = emu;
    const acme = running.workspaces.find((w) => w.slug === "acme")!;
    const admin = running.accounts[0]!;
    const baseEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: work,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      AWS_ENDPOINT_URL: running.awsEndpoint,
      AWS_REGION: "us-east-1",
    };
    const adminEnv = {
      ...baseEnv,
      AWS_ACCESS_KEY_ID: admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
    };

    io.print("bb-oidc demo: the keyless recipe end to end, on the embedded emulator");
    io.print(
      `  Bitbucket (HTTPS) ${running.bitbucketEndpoint} stands in for https://api.bitbucket.org`,
    );
    io.print(`  AWS STS/IAM/CloudFormation ${running.awsEndpoint}, account ${ACCOUNT}`);
    io.print(`  working files in ${work}`);

    let stepNo = 0;
    const step = (title: string) => {
      stepNo++;
      io.print(`\n━━ ${stepNo}/7  ${title}`);
      return title;
    };
    const run = async (
      name: string,
      args: string[],
      env: NodeJS.ProcessEnv,
      expectCode: number,
      show: (r: CommandRun) => string = (r) => r.all,
    ): Promise<CommandRun> => {
      io.print(`\n${shownCommand(args)}`);
      const r = await runSelf(opts.cliPath, args, env);
      const shown = show(r);
      if (shown.trim()) io.print(indent(shown));
      if (r.code !== expectCode) {
        throw new DemoStepFailed(
          name,
          `\`${args[0]}\` exited ${r.code}, expected ${expectCode}:\n${indent(r.stderr || r.stdout)}`,
        );
      }
      return r;
    };
    const expectText = (name: string, text: string, wanted: string) => {
      if (!text.includes(wanted))
        throw new DemoStepFailed(name, `expected the output to say ${JSON.stringify(wanted)}`);
    };

    // 1 ────────────────────────────────────────────────────────────────────────
    let s = step("Discover the workspace: issuer, audience, thumbprint, egress ranges");
    const discoverArgs = [
      "discover",
      "--workspace",
      "acme",
      "--api-base",
      running.bitbucketEndpoint,
      "--ca-file",
      running.caFile,
      "--ip-ranges-url",
      `${running.bitbucketEndpoint}/ip-ranges.json`,
    ];
    const disc = await run(s, discoverArgs, baseEnv, 0);
    expectText(s, disc.stdout, running.thumbprint);
    expectText(s, disc.stdout, defaultAudience(acme.uuid));
    io.print("\n  …and the same facts as a bb-oidc.yaml to start from:");
    const skeleton = await run(
      s,
      [...discoverArgs, "--format", "config"],
      baseEnv,
      0,
      () => "(a bb-oidc.yaml skeleton with placeholders; filled in below)",
    );
    const config = fillPlaceholders(skeleton.stdout, {
      "<ROLE_NAME>": ROLE,
      "<AWS_ACCOUNT_ID>": ACCOUNT,
      "<REPOSITORY_UUID>": WEB_REPO,
      "<S3_BUCKET>": "acme-web-prod",
    } satisfies Record<keyof typeof CONFIG_PLACEHOLDERS, string>).replace(
      /# environments: \["\{deployment-environment-uuid\}"\]/,
      `environments: ["${PRODUCTION}"]   # the "production" deployment environment`,
    );
    const configFile = join(work, "bb-oidc.yaml");
    await writeFile(configFile, config);
    io.print(`\n  ${configFile}, the role part (one repository, its production deployments only):`);
    io.print(indent(config.slice(config.indexOf("roles:")), "    "));

    // 2 ────────────────────────────────────────────────────────────────────────
    s = step("Generate a least-privilege template, lint it, and ask who can assume what");
    const templateFile = join(work, "template.yaml");
    await run(s, ["template", "--config", configFile, "--out", templateFile], baseEnv, 0);
    await run(s, ["lint", templateFile], baseEnv, 0);
    const who = await run(
      s,
      [
        "who-can",
        "--template",
        templateFile,
        "--account",
        ACCOUNT,
        "--repository",
        `web=${WEB_REPO}`,
        "--repository",
        `api=${API_REPO}`,
        "--environment",
        `production=${PRODUCTION}`,
        "--format",
        "markdown",
      ],
      baseEnv,
      0,
    );
    expectText(s, who.stdout, "web");

    // 3 ────────────────────────────────────────────────────────────────────────
    s = step("Deploy it through the CloudFormation API (a change set, then live events)");
    const deployed = await run(
      s,
      ["deploy", "--template", templateFile, "--stack-name", "bb-oidc-acme", "--yes"],
      adminEnv,
      0,
    );
    expectText(s, deployed.all, "CREATE_COMPLETE");

    // 4 ────────────────────────────────────────────────────────────────────────
    s = step("A production deployment step of the web repository exchanges its token");
    const token = await mintToken(running.store, {
      workspace: "acme",
      repositoryUuid: WEB_REPO,
      deploymentEnvironmentUuid: PRODUCTION,
      branch: "main",
    });
    const tokenFile = join(work, "web-identity-token");
    await writeFile(tokenFile, token, { mode: 0o600 });
    io.print(
      "  (Bitbucket gives the step $BITBUCKET_STEP_OIDC_TOKEN because the step has `oidc: true`.)",
    );
    const stepEnv = {
      ...baseEnv,
      BITBUCKET_STEP_OIDC_TOKEN: token,
      BITBUCKET_REPO_SLUG: "web",
      BITBUCKET_BUILD_NUMBER: "42",
    };
    const creds = await run(
      s,
      ["credentials", "--role-arn", ROLE_ARN, "--format", "json"],
      stepEnv,
      0,
      (r) => redactedJson(r.stdout),
    );
    const c = JSON.parse(creds.stdout) as Record<string, string>;
    io.print("\n$ aws sts get-caller-identity   # with those credentials, through the AWS SDK");
    const sts = new STSClient({
      region: "us-east-1",
      endpoint: running.awsEndpoint,
      credentials: {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      },
    });
    const who2 = await sts.send(new GetCallerIdentityCommand({}));
    io.print(
      indent(
        JSON.stringify({ UserId: who2.UserId, Account: who2.Account, Arn: who2.Arn }, null, 4),
      ),
    );
    if (who2.Arn !== `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/bb-web-42`) {
      throw new DemoStepFailed(s, `GetCallerIdentity answered ${who2.Arn}`);
    }

    // 5 ────────────────────────────────────────────────────────────────────────
    s = step("Refusals, each with its cause and fix");
    io.print("  (run with read access to IAM, so bb-oidc can name the failing condition)");
    const refusals: [string, string, string][] = [
      [
        "a step of another repository",
        await mintToken(running.store, {
          workspace: "acme",
          repositoryUuid: API_REPO,
          deploymentEnvironmentUuid: PRODUCTION,
        }),
        "AccessDenied",
      ],
      [
        "an expired token",
        await mintToken(running.store, {
          workspace: "acme",
          repositoryUuid: WEB_REPO,
          deploymentEnvironmentUuid: PRODUCTION,
          expired: true,
        }),
        "ExpiredTokenException",
      ],
      [
        "a token of another workspace",
        await mintToken(running.store, {
          workspace: "globex",
          repositoryUuid: WEB_REPO,
          deploymentEnvironmentUuid: PRODUCTION,
        }),
        "No OpenIDConnect provider found",
      ],
      [
        "a step of the web repository outside the production environment",
        await mintToken(running.store, {
          workspace: "acme",
          repositoryUuid: WEB_REPO,
          branch: "feature/login",
        }),
        `wanted "${WEB_REPO}:${PRODUCTION}:*"`,
      ],
    ];
    for (const [what, t, wanted] of refusals) {
      io.print(`\n  ▸ ${what}`);
      const r = await run(
        s,
        ["credentials", "--role-arn", ROLE_ARN],
        { ...adminEnv, BITBUCKET_STEP_OIDC_TOKEN: t },
        1,
      );
      expectText(s, r.stderr, wanted);
    }

    // 6 ────────────────────────────────────────────────────────────────────────
    s = step(
      "Lint the seed-style setup: AdministratorAccess for the whole workspace, a fixed IP list",
    );
    const seedFile = join(work, "seed-style-template.yaml");
    const feedFile = join(work, "ip-ranges.json");
    await writeFile(seedFile, seedStyleTemplate());
    await writeFile(feedFile, JSON.stringify(defaultIpRangesFeed()));
    const seedLint = await run(s, ["lint", seedFile, "--ip-ranges", feedFile], baseEnv, 1);
    for (const rule of [
      "no-subject-condition",
      "admin-access",
      "ip-condition-needs-static-egress",
      "stale-ip-ranges",
    ]) {
      expectText(s, seedLint.stdout, rule);
    }

    // 7 ────────────────────────────────────────────────────────────────────────
    s = step("Stop everything");
    if (opts.keepRunning) {
      io.print("\nThe emulator keeps running. In another shell:\n");
      io.print(
        indent(
          [
            `export AWS_ENDPOINT_URL=${running.awsEndpoint}`,
            `export AWS_ACCESS_KEY_ID=${admin.accessKeyId}`,
            `export AWS_SECRET_ACCESS_KEY=${admin.secretAccessKey}   # the emulator account's admin key`,
            "export AWS_REGION=us-east-1",
            `export BITBUCKET_STEP_OIDC_TOKEN="$(cat ${tokenFile})"`,
            `npx bb-oidc credentials --role-arn ${ROLE_ARN}`,
            `aws sts assume-role-with-web-identity --role-arn ${ROLE_ARN} --role-session-name try --web-identity-token file://${tokenFile}`,
            `npx bb-oidc emulator mint --endpoint ${running.bitbucketEndpoint} --ca-file ${running.caFile} --workspace acme --repository-uuid '${API_REPO}'`,
          ].join("\n"),
          "  ",
        ),
      );
      io.print("\nPress Ctrl-C to stop.");
      await opts.waitForStop();
    }
    await running.close();
    emu = undefined;
    io.print(`  emulator stopped, ${work} removed; nothing is left running.`);
    io.print(
      `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s: every step behaved as expected.`,
    );
  } finally {
    await emu?.close().catch(() => {});
    await rm(work, { recursive: true, force: true }).catch(() => {});
  }
}

/** Credentials JSON with the secret parts elided: the demo shows their shape, not their value. */
function redactedJson(stdout: string): string {
  try {
    const c = JSON.parse(stdout) as Record<string, string>;
    return JSON.stringify(
      { ...c, SecretAccessKey: "…(secret)…", SessionToken: "…(secret)…" },
      null,
      2,
    );
  } catch {
    return stdout;
  }
}
