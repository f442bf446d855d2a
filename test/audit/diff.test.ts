/** Drift's diff as a reviewer reads it: what changed, three lines either side, the rest elided. */
import { describe, expect, test } from "vitest";
import { canonicalPolicy, lineDiff } from "../../src/audit/diff.js";

describe("trust policy diff", () => {
  test("forms IAM treats alike are no difference", () => {
    const a = { Version: "2012-10-17", Statement: { Effect: "Allow", Action: ["sts:X"] } };
    const b = { Statement: [{ Action: "sts:X", Effect: "Allow" }], Version: "2012-10-17" };
    expect(canonicalPolicy(a)).toBe(canonicalPolicy(b));
  });

  test("a change far from the edges keeps three lines of context and elides the rest", () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const changed = [...lines];
    changed[10] = "line ten";
    const diff = lineDiff(lines.join("\n"), changed.join("\n")).split("\n");
    expect(diff).toEqual([
      "  …",
      "  line 7",
      "  line 8",
      "  line 9",
      "- line 10",
      "+ line ten",
      "  line 11",
      "  line 12",
      "  line 13",
      "  …",
    ]);
  });

  test("two changes close together share their context", () => {
    const a = ["a", "b", "c", "d", "e"].join("\n");
    const b = ["A", "b", "c", "d", "E"].join("\n");
    expect(lineDiff(a, b).split("\n")).toEqual(["- a", "+ A", "  b", "  c", "  d", "- e", "+ E"]);
  });
});
