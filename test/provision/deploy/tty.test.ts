/** `bb-oidc deploy` at a terminal: the change set is shown, a person answers, events update in place. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cfn, providerAndRole, startEndpoint } from "../../emulator/cloudformation/helpers.js";
import { emulatorAwsEnv } from "../../support/aws-env.js";
import { BUILT_CLI, ensureBuilt } from "../../support/built-cli.js";

const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
let ep: Awaited<ReturnType<typeof startEndpoint>>;
let dir: string;

beforeAll(async () => {
  ensureBuilt();
  ep = await startEndpoint();
  dir = mkdtempSync(join(tmpdir(), "bb-oidc-deploy-tty-"));
}, 120_000);
afterAll(async () => {
  await ep?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI in a pseudo-terminal (script(1)) and types `answer` once the prompt shows. */
function atTerminal(
  args: string[],
  answer: string,
  prompt = "Execute these changes? [y/N]",
): Promise<{ out: string; code: number | null }> {
  const cmd = [process.execPath, BUILT_CLI, ...args].map((a) => `'${a}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", cmd, "/dev/null"], {
      env: emulatorAwsEnv({
        credentials: ep.accounts[0]!,
        endpoint: ep.url,
        home: dir,
        extra: { TERM: "xterm" },
      }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let answered = false;
    child.stdout.on("data", (d) => {
      out += d;
      if (!answered && out.includes(prompt)) {
        answered = true;
        child.stdin.write(`${answer}\n`);
      }
    });
    child.on("error", reject);
    // script -e passes on the command's exit code.
    child.on("close", (code) => resolve({ out, code }));
  });
}

async function stackExists(name: string): Promise<boolean> {
  try {
    const admin = ep.accounts[0]!;
    await cfn(ep.url, {
      accessKeyId: admin.accessKeyId,
      secretAccessKey: admin.secretAccessKey,
    }).send(new DescribeStacksCommand({ StackName: name }));
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasScript)("bb-oidc deploy at a terminal", () => {
  test("answering no deletes the change set and creates nothing", async () => {
    const template = join(dir, "t-no.yaml");
    writeFileSync(template, providerAndRole({ roleName: "tty-no" }));
    const { out, code } = await atTerminal(
      ["deploy", "--template", template, "--stack-name", "tty-no"],
      "n",
    );
    expect(code).toBe(1);
    expect(out).toContain("New stack tty-no:");
    expect(out).toContain("Add");
    expect(out).toContain("Not executed; the change set was deleted.");
    expect(await stackExists("tty-no")).toBe(false);
  });

  test("answering yes executes it and ends with the stack's status and outputs", async () => {
    const template = join(dir, "t-yes.yaml");
    writeFileSync(template, providerAndRole({ roleName: "tty-yes" }));
    const { out, code } = await atTerminal(
      ["deploy", "--template", template, "--stack-name", "tty-yes"],
      "y",
    );
    expect(code).toBe(0);
    expect(out).toContain("Execute these changes? [y/N]");
    expect(out).toContain("Stack tty-yes: CREATE_COMPLETE");
    expect(await stackExists("tty-yes")).toBe(true);
  });

  test("declining a config's plan changes nothing and exits 1", async () => {
    const config = join(dir, "bb-oidc.yaml");
    writeFileSync(
      config,
      `workspace: { slug: ttyws, uuid: "{4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31}" }
provider: { create: true }
roles:
  - name: tty-config
    accounts: ["111111111111"]
    repositories: ["{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}"]
`,
    );
    const { out, code } = await atTerminal(
      ["deploy", "--config", config, "--stack-name", "tty-config"],
      "n",
      "Execute this plan? [y/N]",
    );
    expect(out).toContain("account 111111111111");
    expect(out).toContain("Not executed; the change sets were deleted and nothing was changed.");
    expect(code).toBe(1);
    expect(await stackExists("tty-config")).toBe(false);
  });
});
