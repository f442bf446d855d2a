import { describe, expect, it } from "vitest";
import { decodeToken } from "../../src/oidc/decode.js";

describe("decoded headers are the caller's own", () => {
  it("changing one decoded header does not change the next decode of the same token", () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const token = `${b64({ alg: "RS256", kid: "k1", typ: "JWT" })}.${b64({ sub: "x" })}.c2ln`;
    const first = decodeToken(token);
    first.header.alg = "none";
    first.header.kid = "evil";
    const second = decodeToken(token);
    expect(second.header).toEqual({ alg: "RS256", kid: "k1", typ: "JWT" });
    const nested = `${b64({ alg: "RS256", crit: ["b64"] })}.${b64({})}.c2ln`;
    (decodeToken(nested).header.crit as string[]).push("evil");
    expect(decodeToken(nested).header.crit).toEqual(["b64"]);
  });
});
