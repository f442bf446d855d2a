// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are literal ${…} text in policies.
import { describe, expect, it } from "vitest";
import { conditionTrace, HOST, holds } from "./helpers.js";

const SUB = `${HOST}:sub`;
const AUD = `${HOST}:aud`;
const AMR = `${HOST}:amr`;

describe("String operators", () => {
  it("StringEquals is case-sensitive and treats * literally", () => {
    expect(holds("StringEquals", AUD, "sts.amazonaws.com", { [AUD]: "sts.amazonaws.com" })).toBe(
      true,
    );
    expect(holds("StringEquals", AUD, "sts.amazonaws.com", { [AUD]: "STS.amazonaws.com" })).toBe(
      false,
    );
    expect(holds("StringEquals", SUB, "{r}:*", { [SUB]: "{r}:{s}" })).toBe(false);
    expect(holds("StringEquals", SUB, "{r}:*", { [SUB]: "{r}:*" })).toBe(true);
  });

  it("IgnoreCase variants", () => {
    expect(holds("StringEqualsIgnoreCase", "k:k", "Main", { "k:k": "MAIN" })).toBe(true);
    expect(holds("StringNotEqualsIgnoreCase", "k:k", "Main", { "k:k": "main" })).toBe(false);
    expect(holds("StringNotEqualsIgnoreCase", "k:k", "Main", { "k:k": "dev" })).toBe(true);
  });

  it("StringLike: * any run, ? one character", () => {
    expect(holds("StringLike", SUB, "{repo-a}:*", { [SUB]: "{repo-a}:{env}:{step}" })).toBe(true);
    expect(holds("StringLike", SUB, "{repo-a}:*", { [SUB]: "{repo-b}:{step}" })).toBe(false);
    expect(holds("StringLike", "k:k", "a?c", { "k:k": "abc" })).toBe(true);
    expect(holds("StringLike", "k:k", "a?c", { "k:k": "ac" })).toBe(false);
    expect(holds("StringLike", "k:k", "*b*d?", { "k:k": "xxbyydz" })).toBe(true);
    expect(holds("StringLike", "k:k", "a*a*a*b", { "k:k": "a".repeat(5000) })).toBe(false);
    expect(holds("StringLike", "k:k", "x?", { "k:k": "x😀" })).toBe(true);
  });

  it("several values are OR", () => {
    expect(holds("StringEquals", AUD, ["a", "b"], { [AUD]: "b" })).toBe(true);
    expect(holds("StringLike", SUB, ["{a}:*", "{b}:*"], { [SUB]: "{b}:{s}" })).toBe(true);
  });

  it("negated operators are a NOR over values", () => {
    expect(holds("StringNotEquals", "k:k", ["a", "b"], { "k:k": "b" })).toBe(false);
    expect(holds("StringNotEquals", "k:k", ["a", "b"], { "k:k": "c" })).toBe(true);
    expect(holds("StringNotLike", SUB, ["{a}:*", "{b}:*"], { [SUB]: "{a}:x" })).toBe(false);
    expect(holds("StringNotLike", SUB, ["{a}:*", "{b}:*"], { [SUB]: "{c}:x" })).toBe(true);
  });
});

describe("absent keys", () => {
  it("positive operators fail on an absent key, negated ones pass", () => {
    expect(holds("StringEquals", AUD, "a", {})).toBe(false);
    expect(holds("StringLike", SUB, "*", {})).toBe(false);
    expect(holds("StringNotEquals", AUD, "a", {})).toBe(true);
    expect(holds("StringNotLike", SUB, "x", {})).toBe(true);
    expect(holds("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", {})).toBe(true);
    expect(holds("ArnNotLike", "aws:SourceArn", "arn:aws:s3:::b", {})).toBe(true);
    expect(holds("NumericNotEquals", "k:n", "1", {})).toBe(true);
    expect(holds("DateNotEquals", "k:d", "2024-01-01", {})).toBe(true);
    expect(holds("StringNotEqualsIgnoreCase", "k:k", "a", {})).toBe(true);
    const t = conditionTrace("StringEquals", AUD, "a", {});
    expect(t.contextValues).toBeNull();
    expect(t.reason).toBe("key is absent");
  });

  it("…IfExists passes on an absent key and checks a present one", () => {
    expect(holds("StringEqualsIfExists", AUD, "a", {})).toBe(true);
    expect(holds("StringEqualsIfExists", AUD, "a", { [AUD]: "b" })).toBe(false);
    expect(holds("NumericLessThanIfExists", "k:n", "5", {})).toBe(true);
    expect(conditionTrace("StringEqualsIfExists", AUD, "a", {}).reason).toContain("IfExists");
  });

  it("ForAllValues on an absent or empty key is true (the classic hole)", () => {
    expect(holds("ForAllValues:StringEquals", AMR, ["authenticated"], {})).toBe(true);
    expect(holds("ForAllValues:StringEquals", AMR, ["authenticated"], { [AMR]: [] })).toBe(true);
    expect(conditionTrace("ForAllValues:StringEquals", AMR, "x", {}).reason).toContain(
      "without this key passes",
    );
  });

  it("ForAnyValue on an absent or empty key is false, even negated", () => {
    expect(holds("ForAnyValue:StringEquals", AMR, "a", {})).toBe(false);
    expect(holds("ForAnyValue:StringEquals", AMR, "a", { [AMR]: [] })).toBe(false);
    expect(holds("ForAnyValue:StringNotEquals", AMR, "a", {})).toBe(false);
    expect(holds("ForAnyValue:StringEqualsIfExists", AMR, "a", {})).toBe(true);
  });

  it("Null: true means absent, false means present", () => {
    expect(holds("Null", AUD, "true", {})).toBe(true);
    expect(holds("Null", AUD, "true", { [AUD]: "x" })).toBe(false);
    expect(holds("Null", AUD, false, { [AUD]: "x" })).toBe(true);
    expect(holds("Null", AUD, "false", {})).toBe(false);
    expect(conditionTrace("Null", AUD, "false", {}).reason).toContain("present");
  });
});

describe("key names and multi-valued keys", () => {
  it("key names are case-insensitive in both policy and context", () => {
    expect(holds("StringEquals", "AWS:SourceIP", "1.2.3.4", { "aws:sourceip": "1.2.3.4" })).toBe(
      true,
    );
    expect(holds("IpAddress", "aws:sourceip", "1.2.3.4", { "Aws:SourceIp": "1.2.3.4" })).toBe(true);
    expect(holds("StringLike", SUB.toUpperCase(), "{r}:*", { [SUB]: "{r}:s" })).toBe(true);
  });

  it("a multi-valued key without a set prefix matches if any value matches (negated: none)", () => {
    expect(holds("StringEquals", AMR, "b", { [AMR]: ["a", "b"] })).toBe(true);
    expect(holds("StringNotEquals", AMR, "b", { [AMR]: ["a", "b"] })).toBe(false);
    expect(holds("StringNotEquals", AMR, "c", { [AMR]: ["a", "b"] })).toBe(true);
  });

  it("ForAnyValue / ForAllValues over request values", () => {
    const ctx = { [AMR]: ["a", "b"] };
    expect(holds("ForAnyValue:StringEquals", AMR, ["b", "z"], ctx)).toBe(true);
    expect(holds("ForAllValues:StringEquals", AMR, ["a", "b", "c"], ctx)).toBe(true);
    expect(holds("ForAllValues:StringEquals", AMR, ["a"], ctx)).toBe(false);
    expect(holds("ForAnyValue:StringNotEquals", AMR, ["a"], ctx)).toBe(true);
    expect(holds("ForAllValues:StringNotEquals", AMR, ["c"], ctx)).toBe(true);
    expect(holds("ForAllValues:StringNotEquals", AMR, ["a"], ctx)).toBe(false);
    expect(holds("ForAllValues:StringLike", AMR, ["*"], { [AMR]: "single" })).toBe(true);
  });
});

describe("Numeric and Date operators", () => {
  it("compare numbers given as strings or JSON numbers", () => {
    expect(holds("NumericLessThan", "k:n", "10", { "k:n": "9.5" })).toBe(true);
    expect(holds("NumericLessThan", "k:n", 10, { "k:n": "10" })).toBe(false);
    expect(holds("NumericLessThanEquals", "k:n", "10", { "k:n": "10" })).toBe(true);
    expect(holds("NumericGreaterThan", "k:n", "10", { "k:n": "1e2" })).toBe(true);
    expect(holds("NumericGreaterThanEquals", "k:n", "10", { "k:n": "9" })).toBe(false);
    expect(holds("NumericEquals", "k:n", ["1", "2"], { "k:n": "2.0" })).toBe(true);
    expect(holds("NumericNotEquals", "k:n", ["1", "2"], { "k:n": "2" })).toBe(false);
  });

  it("an unparseable request value is false for the operator and its negation", () => {
    expect(holds("NumericLessThan", "k:n", "10", { "k:n": "abc" })).toBe(false);
    expect(holds("NumericNotEquals", "k:n", "10", { "k:n": "abc" })).toBe(false);
    expect(conditionTrace("NumericLessThan", "k:n", "10", { "k:n": "abc" }).reason).toBe(
      'the request value "abc" is not a number',
    );
    expect(holds("IpAddress", "aws:SourceIp", "10.0.0.0/8", { "aws:SourceIp": "nope" })).toBe(
      false,
    );
    expect(holds("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", { "aws:SourceIp": "nope" })).toBe(
      false,
    );
  });

  it("dates: ISO 8601 or epoch seconds on either side", () => {
    const now = { "aws:CurrentTime": "2024-06-01T12:00:00Z", "aws:EpochTime": "1717243200" };
    expect(holds("DateLessThan", "aws:CurrentTime", "2025-01-01T00:00:00Z", now)).toBe(true);
    expect(holds("DateGreaterThan", "aws:CurrentTime", "2025-01-01", now)).toBe(false);
    expect(holds("DateEquals", "aws:EpochTime", "2024-06-01T12:00:00Z", now)).toBe(true);
    expect(holds("DateEquals", "aws:CurrentTime", 1717243200, now)).toBe(true);
    expect(holds("DateEquals", "aws:CurrentTime", "2024-06-01T14:00:00+02:00", now)).toBe(true);
    expect(holds("DateLessThanEquals", "aws:CurrentTime", "2024-06-01T12:00:00Z", now)).toBe(true);
    expect(holds("DateGreaterThanEquals", "aws:CurrentTime", "2024-06-01T12:00:01Z", now)).toBe(
      false,
    );
    expect(holds("DateNotEquals", "aws:CurrentTime", "2024-06-01T12:00:00Z", now)).toBe(false);
    expect(
      holds("DateLessThan", "aws:CurrentTime", "2025-01-01", { "aws:CurrentTime": "soon" }),
    ).toBe(false);
  });
});

describe("Bool and BinaryEquals", () => {
  it("Bool compares true/false in any case", () => {
    expect(holds("Bool", "aws:SecureTransport", "true", { "aws:SecureTransport": "true" })).toBe(
      true,
    );
    expect(holds("Bool", "aws:SecureTransport", true, { "aws:SecureTransport": "TRUE" })).toBe(
      true,
    );
    expect(holds("Bool", "aws:SecureTransport", "true", { "aws:SecureTransport": "false" })).toBe(
      false,
    );
    expect(holds("BoolIfExists", "aws:MultiFactorAuthPresent", "false", {})).toBe(true);
  });

  it("BinaryEquals compares the key's bytes with the bytes the policy's base64 encodes", () => {
    expect(holds("BinaryEquals", "k:b", "QUJD", { "k:b": "ABC" })).toBe(true);
    expect(holds("BinaryEquals", "k:b", "QQ", { "k:b": "A" })).toBe(true);
    expect(holds("BinaryEquals", "k:b", "QUJD", { "k:b": "ABD" })).toBe(false);
    // The request value is data, not base64 text: its own encoding is not decoded.
    expect(holds("BinaryEquals", "k:b", "QUJD", { "k:b": "QUJD" })).toBe(false);
  });
});

describe("IpAddress", () => {
  const SRC = "aws:SourceIp";
  it("CIDR blocks; a bare address is /32", () => {
    expect(holds("IpAddress", SRC, "203.0.113.0/24", { [SRC]: "203.0.113.77" })).toBe(true);
    expect(holds("IpAddress", SRC, "203.0.113.0/24", { [SRC]: "203.0.114.1" })).toBe(false);
    expect(holds("IpAddress", SRC, "203.0.113.5", { [SRC]: "203.0.113.5" })).toBe(true);
    expect(holds("IpAddress", SRC, "203.0.113.5", { [SRC]: "203.0.113.6" })).toBe(false);
    expect(holds("IpAddress", SRC, "0.0.0.0/0", { [SRC]: "8.8.8.8" })).toBe(true);
    expect(
      holds("IpAddress", SRC, ["10.0.0.0/8", "192.168.0.0/16"], { [SRC]: "192.168.3.4" }),
    ).toBe(true);
    expect(
      holds("NotIpAddress", SRC, ["10.0.0.0/8", "192.168.0.0/16"], { [SRC]: "10.1.1.1" }),
    ).toBe(false);
  });

  it("IPv6 blocks and IPv4-mapped callers", () => {
    expect(holds("IpAddress", SRC, "2001:db8::/32", { [SRC]: "2001:db8:1::5" })).toBe(true);
    expect(holds("IpAddress", SRC, "2001:db8::/32", { [SRC]: "2001:db9::5" })).toBe(false);
    expect(holds("IpAddress", SRC, "2001:db8::1", { [SRC]: "2001:0db8:0:0::1" })).toBe(true);
    expect(holds("IpAddress", SRC, "10.0.0.0/8", { [SRC]: "::ffff:10.2.3.4" })).toBe(true);
    expect(holds("IpAddress", SRC, "::ffff:10.0.0.0/104", { [SRC]: "10.2.3.4" })).toBe(true);
    expect(holds("IpAddress", SRC, "10.0.0.0/8", { [SRC]: "2001:db8::1" })).toBe(false);
  });

  it("explains a miss", () => {
    const t = conditionTrace("IpAddress", SRC, ["10.0.0.0/8"], { [SRC]: "8.8.8.8" });
    expect(t.reason).toBe('wanted an address in 10.0.0.0/8, the request has "8.8.8.8"');
  });
});

describe("ARN operators", () => {
  const K = "aws:SourceArn";
  it("match the six parts one by one, wildcards within parts", () => {
    const role = "arn:aws:iam::123456789012:role/deploy";
    expect(holds("ArnLike", K, "arn:aws:iam::*:role/*", { [K]: role })).toBe(true);
    expect(holds("ArnEquals", K, "arn:aws:iam::123456789012:role/d?ploy", { [K]: role })).toBe(
      true,
    );
    expect(holds("ArnLike", K, "arn:aws:iam::*:role/*", { [K]: "arn:aws:sts::1:role/x" })).toBe(
      false,
    );
    // A wildcard does not cross into the next part.
    expect(holds("ArnLike", K, "arn:aws:*:role/deploy", { [K]: role })).toBe(false);
    // The resource part may contain colons.
    const lg = "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s";
    expect(holds("ArnLike", K, "arn:aws:logs:*:*:log-group:g:*", { [K]: lg })).toBe(true);
    expect(holds("ArnLike", K, "*", { [K]: "anything" })).toBe(true);
    expect(holds("ArnLike", K, role, { [K]: "not-an-arn" })).toBe(false);
    expect(holds("ArnLike", K, role, { [K]: role.toUpperCase() })).toBe(false);
  });

  it("negated forms", () => {
    expect(holds("ArnNotLike", K, "arn:aws:s3:::b*", { [K]: "arn:aws:s3:::bucket" })).toBe(false);
    expect(holds("ArnNotEquals", K, "arn:aws:s3:::b*", { [K]: "arn:aws:s3:::other" })).toBe(true);
  });
});

describe("policy variables", () => {
  it("substitute request values in String and ARN operators", () => {
    const ctx = { "aws:username": "alice", "k:path": "home/alice/x" };
    expect(holds("StringLike", "k:path", "home/${aws:username}/*", ctx)).toBe(true);
    expect(
      holds("StringLike", "k:path", "home/${aws:username}/*", { ...ctx, "aws:username": "bob" }),
    ).toBe(false);
    expect(
      holds("ArnLike", "aws:SourceArn", "arn:aws:iam::${aws:PrincipalAccount}:role/*", {
        "aws:PrincipalAccount": "123456789012",
        "aws:SourceArn": "arn:aws:iam::123456789012:role/r",
      }),
    ).toBe(true);
  });

  it("a substituted value is literal: a * from the request is not a wildcard", () => {
    expect(holds("StringLike", "k:a", "${k:b}", { "k:a": "xyz", "k:b": "*" })).toBe(false);
    expect(holds("StringLike", "k:a", "${k:b}", { "k:a": "*", "k:b": "*" })).toBe(true);
  });

  it("escapes ${*} ${?} ${$}", () => {
    expect(holds("StringLike", "k:a", "a${*}", { "k:a": "a*" })).toBe(true);
    expect(holds("StringLike", "k:a", "a${*}", { "k:a": "ab" })).toBe(false);
    expect(holds("StringLike", "k:a", "a${?}", { "k:a": "a?" })).toBe(true);
    expect(holds("StringEquals", "k:a", "${$}{x}", { "k:a": "${x}" })).toBe(true);
  });

  it("an absent variable makes its value match nothing; a default is used when given", () => {
    expect(holds("StringEquals", "k:a", "${aws:username}", { "k:a": "" })).toBe(false);
    expect(holds("StringEquals", "k:a", ["${aws:username}", "x"], { "k:a": "x" })).toBe(true);
    // Negated: an unresolvable value makes the condition false (the statement does not apply).
    expect(holds("StringNotEquals", "k:a", "${aws:username}", { "k:a": "x" })).toBe(false);
    expect(holds("StringEquals", "k:a", "${aws:username, 'nobody'}", { "k:a": "nobody" })).toBe(
      true,
    );
    const t = conditionTrace("StringEquals", "k:a", "${aws:username}", { "k:a": "x" });
    expect(t.reason).toContain("${aws:username} has no value");
  });

  it("only Version 2012-10-17 has variables", () => {
    expect(holds("StringEquals", "k:a", "${k:b}", { "k:a": "v", "k:b": "v" }, "2008-10-17")).toBe(
      false,
    );
    expect(holds("StringEquals", "k:a", "${k:b}", { "k:a": "${k:b}" }, "2008-10-17")).toBe(true);
  });

  it("variable names are case-insensitive", () => {
    expect(
      holds("StringEquals", "k:a", "${AWS:UserName}", { "k:a": "al", "aws:username": "al" }),
    ).toBe(true);
  });
});
