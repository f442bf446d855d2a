/**
 * The block YAML reader gives exactly what the YAML library (with the located-yaml walker) gives —
 * value, every position and raw text — or gives up and leaves the text to the library. Checked
 * over every YAML file of the repository, bb-oidc's own rendered templates and tricky snippets.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../../src/provision/config/index.js";
import { readBlockYaml } from "../../../src/provision/reader/block-yaml.js";
import { planCfnTag } from "../../../src/provision/reader/cfn-tags.js";
import { type LocatedDocument, parseYamlText } from "../../../src/provision/reader/located-yaml.js";
import type { Path } from "../../../src/provision/reader/source-locations.js";
import { buildTemplate, renderTemplate } from "../../../src/provision/template/index.js";
import { configText } from "../helpers.js";

const root = new URL("../../../", import.meta.url).pathname;

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

/** Every path of a value (object keys and array indexes), depth first. */
function paths(value: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...paths(v, [...at, i]));
  } else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}

function same(fast: LocatedDocument, lib: LocatedDocument): void {
  expect(fast.problems).toEqual(lib.problems);
  expect(fast.value).toEqual(lib.value);
  for (const p of paths(lib.value)) {
    expect(fast.locations.valueAt(p), `value at ${JSON.stringify(p)}`).toEqual(
      lib.locations.valueAt(p),
    );
    expect(fast.locations.keyAt(p), `key at ${JSON.stringify(p)}`).toEqual(lib.locations.keyAt(p));
    expect(fast.locations.raw(p), `raw at ${JSON.stringify(p)}`).toEqual(lib.locations.raw(p));
  }
}

/** Reads `text` both ways; returns whether the fast reader took it. */
function compare(text: string, name: string, template: boolean): boolean {
  const options = template ? { planTag: planCfnTag } : {};
  const fast = readBlockYaml(text, name, options);
  if (fast === undefined) return false;
  same(fast, parseYamlText(text, name, options));
  return true;
}

const rendered = (roles: string) =>
  renderTemplate(buildTemplate(loadConfig(configText(roles), "bb-oidc.yaml")), "yaml");

describe("readBlockYaml agrees with the YAML library", () => {
  test("on every YAML file in the repository, as a config and as a template", () => {
    const files = [...yamlFiles(join(root, "test")), ...yamlFiles(join(root, "examples"))];
    expect(files.length).toBeGreaterThan(10);
    let taken = 0;
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      if (compare(text, f, true)) taken++;
      compare(text, f, false);
    }
    expect(taken).toBeGreaterThan(files.length / 3);
    // The example config, as a user writes one, is read by the fast reader.
    expect(compare(readFileSync(join(root, "examples/bb-oidc.yaml"), "utf8"), "ex", false)).toBe(
      true,
    );
  });

  test("on bb-oidc's own rendered templates (the fast reader takes them)", () => {
    const roles = Array.from(
      { length: 30 },
      (_, i) => `  - name: role-${i}
    description: "Deploys service ${i}: the 'web' one #${i}"
    accounts: ["${String(111111111111 + (i % 3))}"]
    repositories: ["{9c1d7e44-3b2a-4f6e-8d15-${i.toString(16).padStart(12, "0")}}"]
    ${i % 2 ? "environments" : "managedPolicyArns"}: ["${i % 2 ? "{d2a8f6b0-1c4e-4a9d-b7e3-5f0c9e8d7a61}" : "arn:aws:iam::aws:policy/ReadOnlyAccess"}"]
    maxSessionDuration: ${3600 + i}
`,
    ).join("");
    expect(compare(rendered(roles), "t.yaml", true)).toBe(true);
    const example = loadConfig(readFileSync(join(root, "examples/bb-oidc.yaml"), "utf8"), "ex");
    expect(compare(renderTemplate(buildTemplate(example), "yaml"), "ex.yaml", true)).toBe(true);
  });

  const snippets: Record<string, string> = {
    scalars:
      "a: 1\nb: -2\nc: +3\nd: 0123\ne: true\nf: False\ng: ~\nh: null\ni:\nj: \"x\"\nk: 'it''s'\nl: plain text here\n",
    comments: '# top\na: 1 # one\nb: "two" # two\nc: [x, y] # three\nd: x#y\n# end\n',
    nesting:
      "a:\n  b:\n    - c\n    - d: 1\n      e: [1, {f: g}]\n  h: {}\n  i: []\nj:\n- k\n- l\n",
    keys: "true: 1\nnull: 2\n\"quoted key\": 3\n'single': 4\n-dash: 5\na:b: 6\n",
    escapes: 'a: "tab\\there \\"q\\" \\u00e9 \\\\ \\/"\nb: "\\x41"\nc: "\\N"\n',
    tags: "A: !Ref Thing\nB: !GetAtt Role.Arn\nC: !Sub 'arn:${AWS::Partition}:x'\nD: !Join\n  - ''\n  - - a\n    - !Ref B\nE: !If [c, 1, 2]\nF: !Ref 123\n",
    unknownTag: "A: !Nope x\n",
    tagInFlow: "A: !Join ['', [a, !Ref B]]\n",
    numbers: "a: 1.5\nb: 0x1F\nc: .inf\nd: 1e3\ne: 2012-10-17\n",
    anchors: "a: &x 1\nb: *x\n",
    blockScalar: "a: |\n  line\n",
    multiline: "a: one\n  two\n",
    duplicate: "a: 1\na: 2\n",
    document: "---\na: 1\n",
    crlf: "a: 1\r\nb: 2\r\n",
    proto: "__proto__: 1\nb: {c: d}\n",
    seqOfSeq: "- - a\n- b\n",
    emptyItem: "-\n- a\n",
    flowEdge: 'a: [x, ]\nb: {x}\nc: [a:b, c]\nd: {a: [1, 2], b: "c"}\n',
    colonValue: "a: b: c\n",
    trailingColon: "a: b:\n",
    indentMismatch: "a:\n    b: 1\n  c: 2\n",
    unicode: 'name: Zoë — ünïcödé\nemoji: "🚀"\n',
    empty: "",
    onlyComment: "# nothing\n",
    scalarDoc: "just text\n",
  };
  for (const [name, text] of Object.entries(snippets)) {
    test(`snippet: ${name}`, () => {
      compare(text, name, true);
      compare(text, name, false);
    });
  }

  test("it takes the common shapes (so the speed-up is real)", () => {
    for (const name of ["scalars", "comments", "nesting", "keys", "tags", "unicode", "proto"]) {
      expect(compare(snippets[name]!, name, true), name).toBe(true);
    }
    for (const name of [
      "anchors",
      "blockScalar",
      "multiline",
      "duplicate",
      "document",
      "crlf",
      "unknownTag",
    ]) {
      expect(readBlockYaml(snippets[name]!, name, { planTag: planCfnTag }), name).toBeUndefined();
    }
  });
});
