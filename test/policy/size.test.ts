import { describe, expect, it } from "vitest";
import { policySize } from "../../src/policy/size.js";

describe("policySize counts characters as IAM does (no whitespace outside strings)", () => {
  it("ignores indentation and newlines", () => {
    const pretty = '{\n  "Version": "2012-10-17",\n  "Statement": []\n}';
    expect(policySize(pretty)).toBe('{"Version":"2012-10-17","Statement":[]}'.length);
  });

  it("keeps whitespace inside strings", () => {
    expect(policySize('{ "a" : "x y" }')).toBe('{"a":"x y"}'.length);
  });

  it("is not fooled by escaped quotes", () => {
    expect(policySize('{"a": "say \\" hi "}')).toBe('{"a":"say \\" hi "}'.length);
  });

  it("counts an object as its compact JSON", () => {
    const doc = { Version: "2012-10-17", Statement: [{ Effect: "Allow" }] };
    expect(policySize(doc)).toBe(JSON.stringify(doc).length);
    expect(policySize(JSON.stringify(doc, null, 4))).toBe(JSON.stringify(doc).length);
  });

  it("counts characters, not UTF-16 units or bytes", () => {
    expect(policySize('{"a":"é😀"}')).toBe(10);
  });

  it("tabs and carriage returns are whitespace too", () => {
    expect(policySize('{\t"a":\r\n1}')).toBe(7);
  });
});
