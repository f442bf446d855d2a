/**
 * Where `aws:SourceIp` comes from: the trusted header (an address, or `none` for no address),
 * the `sourceIp` override, or the TCP peer. An empty string never silently means "absent".
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkSourceIpOption,
  SOURCE_IP_HEADER,
  sourceIpOf,
  sourceIpResolver,
} from "../../../src/emulator/aws/source-ip.js";
import { startEmulator } from "../../../src/emulator/index.js";
import { startEndpoint } from "./helpers.js";

function req(header: string | undefined, peer = "::ffff:10.1.2.3"): IncomingMessage {
  return {
    headers: header === undefined ? {} : { [SOURCE_IP_HEADER]: header },
    socket: { remoteAddress: peer },
  } as unknown as IncomingMessage;
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("aws:SourceIp", () => {
  it("is the TCP peer (normalised) without options, whatever the header says", () => {
    const of = sourceIpResolver({});
    expect(of(req(undefined))).toBe("10.1.2.3");
    expect(of(req("192.0.2.1"))).toBe("10.1.2.3");
    expect(of(req("none"))).toBe("10.1.2.3");
  });

  it("is the trusted header's address, or absent for `none`", () => {
    const of = sourceIpResolver({ trustSourceIpHeader: true });
    expect(of(req("192.0.2.1"))).toBe("192.0.2.1");
    expect(of(req(" ::ffff:192.0.2.7 "))).toBe("192.0.2.7");
    expect(of(req("none"))).toBeUndefined();
    expect(of(req("NONE"))).toBeUndefined();
    expect(of(req(undefined))).toBe("10.1.2.3");
    // The legacy per-request form agrees.
    expect(sourceIpOf(req("none"), { trustSourceIpHeader: true })).toBeUndefined();
    expect(sourceIpOf(req("192.0.2.1"), { trustSourceIpHeader: true })).toBe("192.0.2.1");
  });

  it("refuses an empty or malformed header instead of treating it as absent", () => {
    const of = sourceIpResolver({ trustSourceIpHeader: true });
    for (const bad of ["", "   ", "null", "999.1.1.1"]) {
      expect(() => of(req(bad)), bad).toThrow(/must be an IPv4 or IPv6 address, or 'none'/);
    }
  });

  it("`none` in the header beats the sourceIp override", () => {
    const of = sourceIpResolver({ trustSourceIpHeader: true, sourceIp: "198.51.100.9" });
    expect(of(req("none"))).toBeUndefined();
    expect(of(req(undefined))).toBe("198.51.100.9");
  });

  it("refuses a sourceIp option that is not an address, the empty string included", async () => {
    expect(checkSourceIpOption(undefined)).toBeUndefined();
    expect(checkSourceIpOption("::ffff:203.0.113.5")).toBe("203.0.113.5");
    for (const bad of ["", "none", "localhost"]) {
      expect(() => checkSourceIpOption(bad), bad).toThrow(/is not an IPv4 or IPv6 address/);
      expect(() => sourceIpResolver({ sourceIp: bad }), bad).toThrow(/ERR_INPUT|not an IPv4/);
    }
    await expect(startEndpoint({ sourceIp: "" })).rejects.toMatchObject({ code: "ERR_INPUT" });
  });

  it("startEmulator refuses sourceIp '' before it creates any state", async () => {
    const parent = await mkdtemp(join(tmpdir(), "bb-oidc-source-ip-"));
    dirs.push(parent);
    const stateDir = join(parent, "state");
    await expect(
      startEmulator({ stateDir, sourceIp: "", awsPort: 0, bitbucketPort: 0 }),
    ).rejects.toMatchObject({ code: "ERR_INPUT" });
    expect(existsSync(stateDir)).toBe(false);
  });
});
