import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { failureFacts } from "../../src/sts/exchange.js";
import { assumeRoleWithWebIdentity, MAX_ANSWER_BYTES } from "../../src/sts/query-client.js";
import { parseXml, textAt, XmlSyntaxError } from "../../src/sts/query-xml.js";

/**
 * The XML reader behind the built-in STS client: what STS and its neighbours send reads right,
 * anything malformed is refused (the client then reports "not an AWS document"), and nothing in
 * a body can make it expand entities or hold an unbounded answer.
 */
describe("the STS answer reader", () => {
  it("reads elements, escapes, CDATA and whitespace as sent", () => {
    const doc = parseXml(
      '\uFEFF<?xml version="1.0"?>\n<!-- a comment --><R a="x>y" b=\'1\'><E><Code>A&amp;B&#65;&#x42;</Code><Message>  spaced <![CDATA[<raw>]]> </Message><Empty/></E></R>\n',
    );
    expect(doc.name).toBe("R");
    expect(textAt(doc, "E", "Code")).toBe("A&BAB");
    expect(textAt(doc, "E", "Message")).toBe("  spaced <raw> ");
    expect(textAt(doc, "E", "Empty")).toBe("");
    expect(textAt(doc, "E", "Missing")).toBeUndefined();
  });

  it("never expands a DOCTYPE's entities", () => {
    const bomb = `<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>`;
    expect(parseXml(bomb).text).toBe("&b;");
  });

  it.each([
    ["mismatched tags", "<a><b></a></b>"],
    ["an unclosed element", "<a><b></b>"],
    ["two roots", "<a/><b/>"],
    ["text outside the root", "hello <a/>"],
    ["nothing at all", "   "],
    ["an unterminated comment", "<a><!-- x</a>"],
    ["an unterminated CDATA", "<a><![CDATA[x</a>"],
    ["a broken start tag", "<a><1/></a>"],
    ["an unterminated attribute", "<a b='x></a>"],
  ])("refuses %s", (_, text) => {
    expect(() => parseXml(text)).toThrow(XmlSyntaxError);
  });
});

describe("the built-in client's limits", () => {
  it("stops reading an answer past 1 MiB and reports it unreadable", async () => {
    let sent = 0;
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/xml" });
      const chunk = Buffer.alloc(64 * 1024, "x");
      const pump = () => {
        while (sent < 64 * MAX_ANSWER_BYTES) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("close", () => {
        sent = Number.POSITIVE_INFINITY;
      });
      pump();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const err = await assumeRoleWithWebIdentity(
        {
          RoleArn: "arn:aws:iam::111111111111:role/r",
          RoleSessionName: "s1",
          WebIdentityToken: "a.b.c",
        },
        {
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          userAgent: "bb-oidc/test",
          signal: new AbortController().signal,
        },
      ).catch((e: unknown) => e);
      expect(failureFacts(err)).toEqual({
        network: false,
        code: "Unknown",
        httpStatus: 200,
        message: "the answer was HTTP 200 (text/xml) but not a readable STS response",
      });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
