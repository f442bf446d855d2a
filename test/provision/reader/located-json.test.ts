import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  lineStartsOf,
  MAX_JSON_DEPTH,
  parseLocatedJson,
  positionIn,
} from "../../../src/provision/reader/located-json.js";
import { parseLocatedYaml, parseYamlText } from "../../../src/provision/reader/located-yaml.js";
import { readTemplate } from "../../../src/provision/reader/read-template.js";
import type { Path } from "../../../src/provision/reader/source-locations.js";
import { TemplateError } from "../../../src/provision/reader/template-error.js";

const at = (line: number, column: number) => ({ line, column });

describe("parseLocatedJson: positions", () => {
  const text = [
    "{",
    '  "a": 1,',
    '  "b": {',
    '    "c": [true, null, -2.5e3],',
    '    "d": []',
    "  },",
    '  "e": [{"f": "x"}, {}]',
    "}",
  ].join("\n");
  const doc = parseLocatedJson(text, "t.json");

  it("gives JSON.parse's value and no problems", () => {
    expect(doc.value).toEqual(JSON.parse(text));
    expect(doc.problems).toEqual([]);
  });

  it("locates values and keys in nested objects and arrays", () => {
    const l = doc.locations;
    expect(l.valueAt([])).toEqual(at(1, 1));
    expect(l.keyAt(["a"])).toEqual(at(2, 3));
    expect(l.valueAt(["a"])).toEqual(at(2, 8));
    expect(l.valueAt(["b"])).toEqual(at(3, 8));
    expect(l.keyAt(["b", "c"])).toEqual(at(4, 5));
    expect(l.valueAt(["b", "c"])).toEqual(at(4, 10));
    expect(l.valueAt(["b", "c", 0])).toEqual(at(4, 11));
    expect(l.valueAt(["b", "c", 1])).toEqual(at(4, 17));
    expect(l.valueAt(["b", "c", 2])).toEqual(at(4, 23));
    expect(l.valueAt(["b", "d"])).toEqual(at(5, 10));
    expect(l.valueAt(["e", 0])).toEqual(at(7, 9));
    expect(l.keyAt(["e", 0, "f"])).toEqual(at(7, 10));
    expect(l.valueAt(["e", 0, "f"])).toEqual(at(7, 15));
    expect(l.valueAt(["e", 1])).toEqual(at(7, 21));
    expect(l.describe(["b", "c", 2])).toBe("t.json:4:23");
  });

  it("keeps the written text of numbers, booleans and null", () => {
    expect(doc.locations.raw(["a"])).toBe("1");
    expect(doc.locations.raw(["b", "c", 0])).toBe("true");
    expect(doc.locations.raw(["b", "c", 1])).toBe("null");
    expect(doc.locations.raw(["b", "c", 2])).toBe("-2.5e3");
    expect(doc.locations.raw(["e", 0, "f"])).toBeUndefined();
  });

  it("falls back to the nearest located ancestor, and keeps [0] and ['0'] apart", () => {
    expect(doc.locations.valueAt(["b", "c", 7, "x"])).toEqual(at(4, 10));
    expect(doc.locations.valueAt(["e", "0"])).toEqual(at(7, 8));
    expect(doc.locations.keyAt(["b", "zz"])).toEqual(at(3, 8));
  });
});

describe("parseLocatedJson: strings", () => {
  it("steps over escaped quotes and backslashes", () => {
    const text = '{"a": "say \\"hi\\"", "b": "\\\\", "c": "\\\\\\"", "d": 1}';
    const doc = parseLocatedJson(text, "t.json");
    expect(doc.value).toEqual({ a: 'say "hi"', b: "\\", c: '\\"', d: 1 });
    expect(doc.locations.keyAt(["b"])).toEqual(at(1, 21));
    expect(doc.locations.valueAt(["b"])).toEqual(at(1, 26));
    expect(doc.locations.keyAt(["d"])).toEqual(at(1, 45));
    expect(doc.locations.valueAt(["d"])).toEqual(at(1, 50));
    expect(doc).toEqual(parseYamlText(text, "t.json"));
  });

  it("decodes escaped keys, so paths use the key's value", () => {
    const text = '{\n "Fn::\\u0053ub": "x",\n "a\\nb": {"\\"q\\"": 2}\n}';
    const doc = parseLocatedJson(text, "t.json");
    expect(doc.value).toEqual({ "Fn::Sub": "x", "a\nb": { '"q"': 2 } });
    expect(doc.locations.keyAt(["Fn::Sub"])).toEqual(at(2, 2));
    expect(doc.locations.valueAt(["a\nb", '"q"'])).toEqual(at(3, 20));
  });

  it("counts columns in UTF-16 code units, through non-ASCII text and escapes", () => {
    const text = '{"é😀": "ü", "k": "\\ud83d\\ude00", "z": 3}';
    const doc = parseLocatedJson(text, "t.json");
    expect(doc.value).toEqual({ "é😀": "ü", k: "😀", z: 3 });
    expect(doc.locations.valueAt(["é😀"])).toEqual(at(1, 9));
    expect(doc.locations.keyAt(["z"])).toEqual(at(1, 35));
    expect(doc.locations.valueAt(["z"])).toEqual(at(1, 40));
    expect(doc).toEqual(parseYamlText(text, "t.json"));
  });

  it("counts lines as the YAML reader does: after each \\n, \\r\\n being one break", () => {
    const text = '{\r\n  "a": 1,\r\n\r\n  "b": [\t2 ]\r\n}';
    const doc = parseLocatedJson(text, "t.json");
    expect(doc.locations.valueAt(["a"])).toEqual(at(2, 8));
    expect(doc.locations.valueAt(["b", 0])).toEqual(at(4, 10));
  });
});

describe("parseLocatedJson: problems", () => {
  it("reports a repeated key where the YAML reader did, with no value", () => {
    const text = '{\n  "a": 1,\n  "b": {"x": 1, "x": 2},\n  "a": 3\n}';
    const doc = parseLocatedJson(text, "t.json");
    expect(doc.value).toBeUndefined();
    expect(doc.problems).toEqual([
      { path: [], position: at(3, 17), message: "YAML syntax: Map keys must be unique" },
      { path: [], position: at(4, 3), message: "YAML syntax: Map keys must be unique" },
    ]);
    expect(doc.problems).toEqual(parseYamlText(text, "t.json").problems);
  });

  it("reports nesting deeper than the limit at the first value too deep", () => {
    let deep = "1";
    for (let i = 0; i < MAX_JSON_DEPTH + 2; i++) deep = `[${deep}]`;
    const text = `{"ok": 1, "a": ${deep}}`;
    const doc = parseLocatedJson(text, "t.json");
    expect(doc.problems).toHaveLength(1);
    expect(doc.problems[0]!.path).toEqual(["a", ...new Array(MAX_JSON_DEPTH).fill(0)]);
    expect(doc.problems[0]!.position).toEqual(at(1, 16 + MAX_JSON_DEPTH));
    expect(doc).toEqual(parseYamlText(text, "t.json"));
  });

  it("leaves text that is not JSON to JSON.parse's error", () => {
    expect(() => parseLocatedJson('{"a": 1,}', "t.json")).toThrow(SyntaxError);
  });

  it("readTemplate locates a JSON syntax error", () => {
    const text = '{\n  "Resources": {\n    "R": {"Type": "AWS::IAM::Role",}\n  }\n}';
    let error: unknown;
    try {
      readTemplate(text, "t.json");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).reason).toBe("syntax");
    expect((error as TemplateError).line).toBe(3);
  });

  it("readTemplate reports a repeated key in JSON as a syntax error at the key", () => {
    const text = '{\n  "Resources": {"R": {"Type": "A::B::C"}},\n  "Resources": {}\n}';
    expect(() => readTemplate(text, "t.json")).toThrow(
      /^t\.json:3:3: \(top level\): YAML syntax: Map keys must be unique/,
    );
  });
});

describe("line table", () => {
  it("positions offsets on line starts, inside lines and at the end", () => {
    const text = "ab\ncd\n\nef";
    const starts = lineStartsOf(text);
    expect(starts).toEqual([0, 3, 6, 7]);
    expect(positionIn(starts, 0)).toEqual(at(1, 1));
    expect(positionIn(starts, 2)).toEqual(at(1, 3));
    expect(positionIn(starts, 3)).toEqual(at(2, 1));
    expect(positionIn(starts, 6)).toEqual(at(3, 1));
    expect(positionIn(starts, 9)).toEqual(at(4, 3));
  });
});

/** Every path of a JSON value, keys and indexes. */
function pathsOf(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      pathsOf(v, [...path, i], out);
    });
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...path, k], out);
  }
  return out;
}

describe("parseLocatedJson agrees with the YAML library's reading of JSON", () => {
  const key = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.constantFrom("Ref", "Fn::Sub", "__proto__", "0", "a b", 'q"', "é"),
  );
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.string({ maxLength: 8 }),
      fc.integer({ min: -1e6, max: 1e6 }),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(key, tie("value"), { maxKeys: 4 }),
    ),
  }));
  const root = fc.dictionary(key, json.value, { maxKeys: 5 });

  it("has the same value, positions and raw text (compact, indented and CRLF layouts)", () => {
    fc.assert(
      fc.property(root, fc.constantFrom(undefined, 2, "\t"), fc.boolean(), (v, indent, crlf) => {
        let text = JSON.stringify(v, null, indent);
        if (crlf) text = text.replace(/\n/g, "\r\n");
        const fast = parseLocatedJson(text, "t.json");
        const slow = parseYamlText(text, "t.json");
        expect(fast.problems).toEqual(slow.problems);
        expect(fast.value).toEqual(slow.value);
        for (const p of pathsOf(fast.value)) {
          expect(fast.locations.valueAt(p)).toEqual(slow.locations.valueAt(p));
          expect(fast.locations.keyAt(p)).toEqual(slow.locations.keyAt(p));
          expect(fast.locations.raw(p)).toEqual(slow.locations.raw(p));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("parseLocatedYaml reads JSON through the scanner, and YAML-only text through the library", () => {
    const json = '{"a": [1, {"b": "c"}]}';
    expect(parseLocatedYaml(json, "t").value).toEqual({ a: [1, { b: "c" }] });
    // Not JSON (a trailing comma, a comment): the YAML reader still takes it.
    const yamlFlow = "{a: [1, 2,], b: x} # comment";
    expect(parseLocatedYaml(yamlFlow, "t").value).toEqual({ a: [1, 2], b: "x" });
    expect(parseLocatedYaml(yamlFlow, "t").locations.valueAt(["b"])).toEqual(at(1, 17));
  });
});
