import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_PLACEHOLDERS, fillPlaceholders } from "../../src/discover/index.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { ConfigError, loadConfig } from "../../src/provision/config/index.js";
import { ensureBuilt } from "../support/built-cli.js";
import {
  DEFAULT_AUDIENCE,
  EGRESS,
  FEED,
  ISSUER,
  mintToken,
  opensslSha1,
  runCli,
  startWorld,
  WORKSPACE_UUID,
  type World,
  worldFlags,
} from "./world.js";

let world: World;
let thumbprint: string;

beforeAll(async () => {
  ensureBuilt();
  world = await startWorld();
  thumbprint = opensslSha1(world.pki.intermediate.pem);
}, 120_000);

afterAll(async () => {
  await world?.close();
});

const discover = (...args: string[]) =>
  runCli(["discover", "--workspace", "acme", ...worldFlags(world), ...args]);

describe("bb-oidc discover", () => {
  it("prints a readable report with every section (exit 0)", async () => {
    const r = await discover();
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(ISSUER);
    expect(r.stdout).toContain(WORKSPACE_UUID);
    expect(r.stdout).toContain(DEFAULT_AUDIENCE);
    expect(r.stdout).toContain(`IAM thumbprint  ${thumbprint}`);
    expect(r.stdout).toContain(
      `openssl s_client -servername api.bitbucket.org -showcerts -connect 127.0.0.1:${world.srv.port} </dev/null`,
    );
    expect(r.stdout).toContain("openssl x509 -in last.pem -fingerprint -sha1 -noout");
    for (const cidr of EGRESS) expect(r.stdout).toContain(cidr);
    expect(r.stdout).not.toContain("203.0.113.");
    expect(r.stdout).toContain("atlassian-ip-ranges: true");
    expect(r.stdout).toContain(FEED.syncToken);
  });

  it("prints the whole report as one JSON object with --json", async () => {
    const r = await discover("--json");
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.issuer).toBe(ISSUER);
    expect(report.defaultAudience).toBe(DEFAULT_AUDIENCE);
    expect(report.workspace.uuid).toBe(WORKSPACE_UUID);
    expect(report.thumbprints).toEqual([thumbprint]);
    expect(report.tls[0].certificates).toHaveLength(2);
    expect(report.ipRanges.egress).toEqual(EGRESS);
    expect(report.ipRanges.creationDate).toBe(FEED.creationDate);
    expect(report.warnings).toEqual([]);
    expect((await discover("--format", "json")).stdout).toContain(`"issuer": "${ISSUER}"`);
  });

  it("reads the workspace UUID from --workspace-uuid or --token instead of the endpoint", async () => {
    const byFlag = JSON.parse(
      (await discover("--json", "--workspace-uuid", WORKSPACE_UUID)).stdout,
    );
    expect(byFlag.workspace).toEqual({ slug: "acme", uuid: WORKSPACE_UUID, uuidSource: "flag" });
    const token = await mintToken(world);
    const r = await discover("--json", "--token", token);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).workspace.uuidSource).toBe("token");
    expect(r.stdout).not.toContain(token);
  });

  it("warns when a certificate expires within 30 days of --now", async () => {
    const later = Math.floor(Date.now() / 1000) + 340 * 86_400;
    const r = await discover("--now", String(later));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/! CERT_EXPIRES_SOON: the leaf certificate CN=api\.bitbucket\.org/);
    expect(r.stdout).toContain("thumbprint will change");
  });

  it("warns about a short-lived chain", async () => {
    const short = await startWorld({ validDays: 3, name: "short-lived" });
    try {
      const r = await runCli(["discover", "--workspace", "acme", ...worldFlags(short), "--json"]);
      expect(r.exitCode).toBe(0);
      const codes = JSON.parse(r.stdout).warnings.map((w: { code: string }) => w.code);
      expect(codes).toEqual(["CERT_EXPIRES_SOON", "CERT_EXPIRES_SOON"]);
    } finally {
      await short.close();
    }
  });

  it("exits 1 naming the URL when the discovery document declares another issuer", async () => {
    const r = await runCli(["discover", "--workspace", "liar", ...worldFlags(world)]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      "https://api.bitbucket.org/2.0/workspaces/liar/pipelines-config/identity/oidc/.well-known/openid-configuration",
    );
    expect(r.stderr).toContain("names issuer");
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("exits 1 naming the URL when the server's CA is not trusted", async () => {
    const other = await startWorld({ name: "untrusted" });
    try {
      const r = await runCli([
        "discover",
        "--workspace",
        "acme",
        ...worldFlags(world).slice(0, 2),
        "--ca-file",
        other.caFile,
        "--no-ip-ranges",
      ]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`${ISSUER}/.well-known/openid-configuration`);
      expect(r.stderr).toContain("TLS");
    } finally {
      await other.close();
    }
  });

  it("exits 1 and suggests --workspace-uuid or --token when the workspace endpoint wants a login", async () => {
    const r = await runCli(["discover", "--workspace", "private", ...worldFlags(world)]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      "https://api.bitbucket.org/2.0/workspaces/private answered HTTP 403",
    );
    expect(r.stderr).toContain("--workspace-uuid");
    expect(r.stderr).toContain("--token");
  });

  it("exits 1 when nothing answers", async () => {
    const r = await runCli([
      "discover",
      "--workspace",
      "acme",
      "--api-base",
      "https://127.0.0.1:1",
      "--no-ip-ranges",
      "--timeout",
      "2000",
    ]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${ISSUER}/.well-known/openid-configuration`);
  });

  it("exits 2 on bad flags", async () => {
    const token = await mintToken(world);
    const cases: string[][] = [
      ["discover"],
      ["discover", "--workspace", "acme", "--format", "yaml"],
      ["discover", "--workspace", "acme", "--json", "--format", "config"],
      ["discover", "--workspace", "acme", "--workspace-uuid", WORKSPACE_UUID, "--token", token],
      ["discover", "--workspace", "acme", "--workspace-uuid", "nope"],
      ["discover", "--workspace", WORKSPACE_UUID],
      ["discover", "--workspace", "acme", "--api-base", "http://127.0.0.1:1"],
      ["discover", "--workspace", "acme", "--ca-file", join(world.dir, "missing.pem")],
      ["discover", "--workspace", "acme", "--now", "yesterday-ish"],
      ["discover", "--workspace", "acme", "--token", "not-a-jwt"],
      ["discover", "--workspace", "acme", "--ip-ranges-url", "ftp://example/"],
    ];
    const results = await Promise.all(cases.map((args) => runCli(args)));
    results.forEach((r, i) => {
      expect({ args: cases[i], code: r.exitCode }).toEqual({ args: cases[i], code: 2 });
      expect(r.stderr).toMatch(/^(bb-oidc: |error: )/);
    });
    // A token of another workspace is the user's mistake too, caught before any request.
    const foreign = await mintToken(world, {
      iss: "https://api.bitbucket.org/2.0/workspaces/other/pipelines-config/identity/oidc",
    });
    const r = await discover("--token", foreign);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("workspaces/other");
  }, 120_000);
});

describe("bb-oidc discover --format config", () => {
  const fill = (text: string) =>
    fillPlaceholders(text, {
      "<ROLE_NAME>": "deploy-acme-web",
      "<AWS_ACCOUNT_ID>": "111111111111",
      "<REPOSITORY_UUID>": "{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}",
      "<S3_BUCKET>": "acme-web",
    });

  it("prints a skeleton that loads once the placeholders are filled", async () => {
    const r = await discover("--format", "config");
    expect(r.exitCode).toBe(0);
    for (const p of Object.keys(CONFIG_PLACEHOLDERS)) {
      expect(r.stdout).toMatch(new RegExp(`${p}.*# PLACEHOLDER`));
    }
    expect(() => loadConfig(r.stdout, "skeleton.yaml")).toThrow(ConfigError);
    const config = loadConfig(fill(r.stdout), "bb-oidc.yaml");
    expect(config.workspace).toEqual({ slug: "acme", uuid: WORKSPACE_UUID });
    expect(config.audiences).toEqual([DEFAULT_AUDIENCE]);
    expect(config.provider).toEqual({ create: true, thumbprints: [thumbprint] });
    expect(config.roles).toHaveLength(1);
    expect(config.roles[0]).toMatchObject({
      name: "deploy-acme-web",
      accounts: ["111111111111"],
      repositories: ["{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}"],
    });
  });

  it("feeds bb-oidc template", async () => {
    const r = await discover("--format", "config");
    const file = join(world.dir, "bb-oidc.yaml");
    writeFileSync(file, fill(r.stdout));
    const t = await runCli(["template", "--config", file]);
    // Only the size report against CloudFormation's limits: no warning about the config.
    expect(t.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^template from .*: [\d,]+ bytes/),
    ]);
    expect(t.exitCode).toBe(0);
    expect(t.stdout).toContain("AWS::IAM::OIDCProvider");
    expect(t.stdout).toContain(`Url: ${ISSUER}`);
    expect(t.stdout).toContain(thumbprint);
    expect(t.stdout).toContain(DEFAULT_AUDIENCE);
    expect(t.stdout).toContain("RoleName: deploy-acme-web");

    // With the commented source-IP restriction switched on and the same feed supplied.
    const feedFile = join(world.dir, "ip-ranges.json");
    writeFileSync(feedFile, JSON.stringify(FEED));
    writeFileSync(
      file,
      fill(r.stdout).replace("# sourceIps: bitbucket-egress", "sourceIps: bitbucket-egress"),
    );
    const withIps = await runCli(["template", "--config", file, "--ip-ranges", feedFile]);
    expect(withIps.exitCode).toBe(0);
    for (const cidr of EGRESS) expect(withIps.stdout).toContain(cidr);
  });

  it("declares apiBase when the endpoint names itself as the issuer", async () => {
    const r = await runCli([
      "discover",
      "--workspace",
      "selfie",
      ...worldFlags(world),
      "--format",
      "config",
    ]);
    expect(r.exitCode).toBe(0);
    const config = loadConfig(fill(r.stdout), "bb-oidc.yaml");
    expect(config.workspace.apiBase).toBe(world.apiBase);
  });
});

describe("bb-oidc discover against the emulator", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ awsPort: 0, bitbucketPort: 0, workspaces: ["acme"] });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("writes a config that bb-oidc template accepts", async () => {
    const r = await runCli([
      "discover",
      "--workspace",
      "acme",
      "--api-base",
      emu.bitbucketEndpoint,
      "--ca-file",
      emu.caFile,
      "--ip-ranges-url",
      `${emu.bitbucketEndpoint}/ip-ranges.json`,
      "--format",
      "config",
    ]);
    expect(r.exitCode).toBe(0);
    const filled = fillPlaceholders(r.stdout, {
      "<ROLE_NAME>": "deploy-acme",
      "<AWS_ACCOUNT_ID>": emu.accounts[0]!.id,
      "<REPOSITORY_UUID>": "{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}",
      "<S3_BUCKET>": "acme-site",
    });
    const config = loadConfig(filled, "bb-oidc.yaml");
    expect(config.provider).toEqual({ create: true, thumbprints: [emu.thumbprint] });
    expect(config.workspace).toEqual({ slug: "acme", uuid: emu.workspaces[0]!.uuid });
    const file = join(world.dir, "from-emulator.yaml");
    writeFileSync(file, filled);
    const t = await runCli(["template", "--config", file]);
    expect(t.exitCode).toBe(0);
    expect(t.stdout).toContain(emu.thumbprint);
  });
});
