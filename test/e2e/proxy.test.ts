import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createProxy } from "proxy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultAudience } from "../../src/bitbucket/audience.js";
import { proxySettings } from "../../src/cli/network.js";
import { describeProxy, noProxyMatch } from "../../src/cli/proxy-agents.js";
import {
  type PipelineWorld,
  ROLE_ARN,
  run,
  startPipelineWorld,
} from "../support/pipeline-world.js";
import { CLI } from "./cli-run.js";

/**
 * A step behind a company proxy: every network call bb-oidc makes (discover's fetches and TLS
 * handshakes, the key fetch of verify, the AWS SDK's calls) goes through HTTPS_PROXY/HTTP_PROXY,
 * and none for hosts in NO_PROXY. The proxy is the maintained `proxy` package on loopback; it
 * forwards api.bitbucket.org:443 to the emulator, as a proxy in front of a mirror would.
 */
let world: PipelineWorld;
let proxy: Server;
let proxyUrl: string;
/** What the proxy was asked for: `CONNECT host:port` or `GET http://…`. */
const seen: string[] = [];

function bb(args: string[], env: NodeJS.ProcessEnv) {
  return run(process.execPath, [CLI, ...args], {
    PATH: process.env.PATH,
    HOME: world.dir,
    AWS_REGION: "eu-west-1",
    ...env,
  });
}

beforeAll(async () => {
  world = await startPipelineWorld();
  const bitbucket = new URL(world.emu.bitbucketEndpoint);
  proxy = createProxy(createServer());
  // Runs before the proxy's own handler: records the target, then sends the real issuer's host
  // to the emulator (nothing leaves the machine).
  proxy.prependListener("connect", (req) => {
    seen.push(`CONNECT ${req.url}`);
    if (req.url === "api.bitbucket.org:443") req.url = bitbucket.host;
  });
  proxy.prependListener("request", (req) => {
    seen.push(`${req.method} ${req.url}`);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  proxy?.close();
  await world?.close();
});

describe("proxy settings from the environment", () => {
  it("reads both cases, lower-case first, and a proxy given without a scheme", () => {
    const s = proxySettings({
      HTTPS_PROXY: "http://upper:1",
      https_proxy: "http://lower:2",
      HTTP_PROXY: "plain:3128",
      NO_PROXY: ".internal, 10.0.0.0/8 ,localhost:8080",
    })!;
    expect(s.https!.url.host).toBe("lower:2");
    expect(s.https!.variable).toBe("https_proxy");
    expect(s.http!.url.href).toBe("http://plain:3128/");
    expect(proxySettings({ NO_PROXY: "*" })).toBeUndefined();
  });

  it("refuses a proxy it cannot speak to without echoing the value", () => {
    expect(() => proxySettings({ HTTPS_PROXY: "socks5://user:secret@h:1080" })).toThrow(
      /HTTPS_PROXY names a socks5 proxy/,
    );
    expect(() => proxySettings({ HTTPS_PROXY: "http://user:se cret@[bad" })).toThrow(
      /^HTTPS_PROXY is not a proxy URL\.$/,
    );
  });

  it("matches NO_PROXY as curl does: domains and their subdomains, ports, CIDR, *", () => {
    const s = proxySettings({
      HTTPS_PROXY: "http://p:1",
      NO_PROXY: "amazonaws.com,.corp.example,localhost:8443,10.0.0.0/8,fd00::/8",
    })!;
    expect(noProxyMatch(s, "sts.eu-west-1.amazonaws.com", 443)).toBe("amazonaws.com");
    expect(noProxyMatch(s, "amazonaws.com", 443)).toBe("amazonaws.com");
    expect(noProxyMatch(s, "notamazonaws.com", 443)).toBeUndefined();
    expect(noProxyMatch(s, "git.corp.example", 443)).toBe("corp.example");
    expect(noProxyMatch(s, "localhost", 8443)).toBe("localhost");
    expect(noProxyMatch(s, "localhost", 443)).toBeUndefined();
    expect(noProxyMatch(s, "10.1.2.3", 443)).toBe("10.0.0.0/8");
    expect(noProxyMatch(s, "11.1.2.3", 443)).toBeUndefined();
    expect(noProxyMatch(s, "[fd00::1]", 443)).toBe("fd00::/8");
    const all = proxySettings({ https_proxy: "p:1", no_proxy: "*" })!;
    expect(noProxyMatch(all, "anything", 1)).toBe("*");
  });

  it("names a proxy without its credentials", () => {
    const s = proxySettings({ HTTPS_PROXY: "http://alice:hunter2@proxy.corp:3128" })!;
    expect(describeProxy(s.https!)).toBe(
      "http://proxy.corp:3128 (with credentials) from HTTPS_PROXY",
    );
  });
});

describe("network calls behind a proxy", () => {
  it("discover fetches and shakes hands through HTTPS_PROXY, and --debug says so", async () => {
    seen.length = 0;
    const r = await bb(
      [
        "discover",
        "--workspace",
        "acme",
        "--api-base",
        world.emu.bitbucketEndpoint,
        "--ca-file",
        world.emu.caFile,
        "--no-ip-ranges",
        "--json",
        "--debug",
      ],
      { HTTPS_PROXY: `http://user:pw-not-printed@${proxyUrl.slice(7)}` },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).thumbprints).toEqual([world.emu.thumbprint]);
    const target = new URL(world.emu.bitbucketEndpoint).host;
    // Discovery, JWKS, workspace, and the TLS handshakes for the thumbprint.
    expect(seen.filter((s) => s === `CONNECT ${target}`).length).toBeGreaterThanOrEqual(4);
    expect(seen.every((s) => s === `CONNECT ${target}`)).toBe(true);
    expect(r.stderr).toContain(
      `bb-oidc: network: ${target} through proxy ${proxyUrl} (with credentials) from HTTPS_PROXY`,
    );
    expect(r.stderr).not.toContain("pw-not-printed");
  });

  it("verify fetches the issuer's keys through the proxy", async () => {
    seen.length = 0;
    const r = await bb(
      [
        "verify",
        "--token",
        await world.mint(),
        "--workspace",
        "acme",
        "--ca-file",
        world.emu.caFile,
      ],
      {
        HTTPS_PROXY: proxyUrl,
      },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(seen).toContain("CONNECT api.bitbucket.org:443");
  });

  it("verify and explain with --api-base follow the proxy rules discover follows", async () => {
    const target = new URL(world.emu.bitbucketEndpoint).host;
    const token = await world.mint();
    const verify = (env: NodeJS.ProcessEnv) =>
      bb(
        [
          "verify",
          "--token",
          token,
          "--api-base",
          world.emu.bitbucketEndpoint,
          "--ca-file",
          world.emu.caFile,
          "--debug",
        ],
        env,
      );
    seen.length = 0;
    const proxied = await verify({ HTTPS_PROXY: proxyUrl });
    expect(proxied.code).toBe(0);
    expect(seen).toContain(`CONNECT ${target}`);
    expect(proxied.stderr).toContain(`bb-oidc: network: ${target} through proxy ${proxyUrl}`);

    seen.length = 0;
    const direct = await verify({ HTTPS_PROXY: proxyUrl, NO_PROXY: "127.0.0.1" });
    expect(direct.code).toBe(0);
    expect(seen).toEqual([]);
    expect(direct.stderr).toContain(`bb-oidc: network: ${target} directly`);

    const acme = world.emu.workspaces[0]!;
    const host = acme.issuer.slice("https://".length);
    const trust = join(world.dir, "proxy-trust.json");
    writeFileSync(
      trust,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::111111111111:oidc-provider/${host}` },
            Action: "sts:AssumeRoleWithWebIdentity",
          },
        ],
      }),
    );
    seen.length = 0;
    const explain = await bb(
      [
        "explain",
        "--token",
        token,
        "--api-base",
        world.emu.bitbucketEndpoint,
        "--ca-file",
        world.emu.caFile,
        "--trust-policy",
        trust,
        "--client-id",
        defaultAudience(acme.uuid),
        "--role-arn",
        ROLE_ARN,
      ],
      { HTTPS_PROXY: proxyUrl },
    );
    expect(explain.code).toBe(0);
    expect(seen).toContain(`CONNECT ${target}`);
  });

  it("the AWS SDK's calls go through the proxy: credentials and exec", async () => {
    seen.length = 0;
    const env = {
      HTTP_PROXY: proxyUrl,
      HTTPS_PROXY: proxyUrl,
      AWS_ENDPOINT_URL: world.emu.awsEndpoint,
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
    };
    const c = await bb(
      ["credentials", "--role-arn", ROLE_ARN, "--allowed-account-id", "111111111111"],
      env,
    );
    expect(c.code).toBe(0);
    // AssumeRoleWithWebIdentity, then GetCallerIdentity for the account check.
    expect(seen).toEqual([`POST ${world.emu.awsEndpoint}/`, `POST ${world.emu.awsEndpoint}/`]);
    seen.length = 0;
    const e = await bb(["exec", "--role-arn", ROLE_ARN, "--", "true"], env);
    expect(e.code).toBe(0);
    expect(seen).toEqual([`POST ${world.emu.awsEndpoint}/`]);
  });

  it("nothing goes through the proxy for hosts in NO_PROXY", async () => {
    seen.length = 0;
    const env = {
      HTTP_PROXY: proxyUrl,
      HTTPS_PROXY: proxyUrl,
      no_proxy: "localhost,127.0.0.1",
      AWS_ENDPOINT_URL: world.emu.awsEndpoint,
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
    };
    const c = await bb(["credentials", "--role-arn", ROLE_ARN, "--debug"], env);
    expect(c.code).toBe(0);
    expect(c.stderr).toContain('directly (NO_PROXY entry "127.0.0.1")');
    const d = await bb(
      [
        "discover",
        "--workspace",
        "acme",
        "--api-base",
        world.emu.bitbucketEndpoint,
        "--ca-file",
        world.emu.caFile,
        "--no-ip-ranges",
        "--json",
      ],
      env,
    );
    expect(d.code).toBe(0);
    expect(seen).toEqual([]);
  });

  it("a proxy that refuses the tunnel is named in the error, without its credentials", async () => {
    const refusing = createServer();
    refusing.on("connect", (_req, socket) => {
      socket.end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
    });
    await new Promise<void>((r) => refusing.listen(0, "127.0.0.1", r));
    try {
      const port = (refusing.address() as AddressInfo).port;
      const r = await bb(
        [
          "verify",
          "--token",
          await world.mint(),
          "--workspace",
          "acme",
          "--ca-file",
          world.emu.caFile,
        ],
        {
          HTTPS_PROXY: `http://bob:hunter2@127.0.0.1:${port}`,
        },
      );
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(
        `the proxy http://127.0.0.1:${port} (with credentials) from HTTPS_PROXY refused the tunnel to api.bitbucket.org:443: HTTP 407`,
      );
      expect(r.stdout + r.stderr).not.toContain("hunter2");
    } finally {
      refusing.close();
    }
  });
});
