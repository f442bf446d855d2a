import { describe, expect, it } from "vitest";
import { compactToken, decodeToken, MAX_TOKEN_LENGTH } from "../../src/oidc/decode.js";

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

describe("the bytes around a token", () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const token = `${b64({ alg: "RS256", kid: "k1" })}.${b64({ sub: "x" })}.c2ln`;

  it("spaces, tabs, CR and LF around the token are not part of it (an `echo`ed token file)", () => {
    for (const raw of [`${token}\n`, `${token}\r\n`, ` \t${token}  \n`, `\n\n${token}`]) {
      expect(compactToken(raw)).toBe(token);
      expect(decodeToken(raw).claims).toEqual({ sub: "x" });
    }
    expect(compactToken(token)).toBe(token);
  });

  it("whitespace inside the token, or other characters around it, still make it malformed", () => {
    const [h, p, s] = token.split(".");
    for (const raw of [`${h}. ${p}.${s}`, `${h}.${p}\n.${s}`, `\u00a0${token}`, `\ufeff${token}`]) {
      expect(() => decodeToken(raw)).toThrow(
        expect.objectContaining({ code: "ERR_TOKEN_MALFORMED" }),
      );
    }
  });

  it("the size limit counts the characters as sent, as STS's parameter check does", () => {
    const padded = `${token}${" ".repeat(MAX_TOKEN_LENGTH - token.length)}`;
    expect(() => decodeToken(padded)).not.toThrow();
    expect(() => decodeToken(`${padded}\n`)).toThrow(
      expect.objectContaining({ code: "ERR_TOKEN_TOO_LARGE" }),
    );
  });
});
