/**
 * Signed aws-chunked bodies, checked against the example AWS publishes for chunked uploads
 * (docs/aws-behaviour.md, "S3"): 66,560 bytes of "a" in chunks of 65,536 and 1,024 bytes, with the
 * documented seed and chunk signatures. A pass means the chain matches AWS's, not just our own.
 */
import { describe, expect, it } from "vitest";
import { S3Error } from "../../../src/emulator/aws/s3/errors.js";
import { decodePayload, signingKey } from "../../../src/emulator/aws/s3/payload.js";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
const CHUNKS: Array<[number, string]> = [
  [65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"],
  [1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"],
  [0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"],
];
const signing = {
  key: signingKey(SECRET, "20130524", "us-east-1", "s3"),
  amzDate: "20130524T000000Z",
  scope: "20130524/us-east-1/s3/aws4_request",
  seed: SEED,
};

function body(corrupt = false): Buffer {
  const parts: Buffer[] = [];
  for (const [size, sig] of CHUNKS) {
    const data = Buffer.alloc(size, "a");
    if (corrupt && size === 1024) data[10] = 0x62;
    parts.push(
      Buffer.from(`${size.toString(16)};chunk-signature=${sig}\r\n`),
      data,
      Buffer.from("\r\n"),
    );
  }
  return Buffer.concat(parts);
}

describe("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", () => {
  it("decodes AWS's published example, every chunk signature verified", () => {
    const out = decodePayload("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", body(), signing);
    expect(out.data.length).toBe(66560);
    expect(out.data.every((b) => b === 0x61)).toBe(true);
  });

  it("refuses the example with one byte changed", () => {
    let err: unknown;
    try {
      decodePayload("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", body(true), signing);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(S3Error);
    expect((err as S3Error).code).toBe("SignatureDoesNotMatch");
  });
});
