import { describe, expect, it } from "vitest";
import { compactToken, decodeToken, MAX_TOKEN_LENGTH, splitToken } from "../../src/oidc/decode.js";

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

describe("base64url is read strictly, though Node's decoder is lenient", () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const parts = [b64({ alg: "RS256", kid: "strict" }), b64({ sub: "x", iss: "i" }), "c2lnbmF0dXJl"];
  const names = ["header", "payload", "signature"];
  // Node skips the first three, stops at "=", takes "+" and "/", and reads U+0141 as "A".
  const intruders = ["\u00e9", "*", " ", "=", "+", "/", "\u0141", "\ufffd"];

  it("a character the decoder would skip, stop at, or misread makes that segment malformed", () => {
    for (let at = 0; at < 3; at++) {
      for (const c of intruders) {
        const segs = [...parts];
        const s = segs[at]!;
        segs[at] = `${s.slice(0, 4)}${c}${s.slice(5)}`; // replaces one character: length kept
        expect(() => decodeToken(segs.join(".")), `${names[at]} with ${JSON.stringify(c)}`).toThrow(
          expect.objectContaining({
            code: "ERR_TOKEN_MALFORMED",
            message: `token ${names[at]} is not base64url`,
          }),
        );
      }
    }
  });

  it("splitToken keeps what the signature covers and the signature's bytes", () => {
    const t = splitToken(` ${parts.join(".")}\n`);
    expect(t.signingInput).toBe(`${parts[0]}.${parts[1]}`);
    expect(t.signature.toString()).toBe("signature");
    expect(t.claims).toEqual({ sub: "x", iss: "i" });
    expect(decodeToken(parts.join("."))).toEqual({ header: t.header, claims: t.claims });
  });

  it("a token with more or fewer than two dots names how many segments it has", () => {
    for (const [raw, n] of [
      [parts.slice(0, 2).join("."), 2],
      [`${parts.join(".")}.x`, 4],
      ["nodots", 1],
    ] as const) {
      expect(() => decodeToken(raw)).toThrow(`token has ${n} dot-separated segments`);
    }
  });
});
