/**
 * Judges of a SARIF document we did not write. The SARIF 2.1.0 types of DefinitelyTyped
 * (`@types/sarif`) type-check the document as a literal `Log` (the project's TypeScript, as
 * test/package checks a consumer); GitHub code scanning's documented requirements for uploads
 * (docs/decisions.md, "SARIF for code scanning") cover what the types cannot say.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Log } from "sarif";
import { ROOT } from "../support/built-cli.js";
import { typeCheck } from "../support/type-check.js";

/** Writes `document` into `dir` as `const log: Log = …` and type-checks it against @types/sarif. */
export function typeCheckSarif(document: unknown, dir: string): { ok: boolean; output: string } {
  writeFileSync(
    join(dir, "log.ts"),
    `import type { Log } from "sarif";\n\nexport const log: Log = ${JSON.stringify(document, null, 2)};\n`,
  );
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
        // The temporary directory has no node_modules: "sarif" is the project's @types/sarif.
        paths: { sarif: [join(ROOT, "node_modules/@types/sarif/index.d.ts")] },
      },
      files: ["log.ts"],
    }),
  );
  return typeCheck(join(dir, "tsconfig.json"));
}

const nonEmpty = (s: unknown): s is string => typeof s === "string" && s.length > 0;

/**
 * What GitHub code scanning requires of an upload beyond the schema: the empty string does not
 * count for a required property; each result names its rule, has a message and at least one
 * location (at most 10) with an artifact URI, and a primaryLocationLineHash (the only fingerprint
 * code scanning uses, which tells results apart: two results sharing one are one alert); each rule has an id, short and full descriptions (at most 1024 characters)
 * and help text. Returns what is wrong, one line each.
 */
export function codeScanningProblems(log: Log): string[] {
  const problems: string[] = [];
  if (!nonEmpty(log.$schema)) problems.push("$schema is missing");
  if (log.runs.length === 0) problems.push("no runs");
  log.runs.forEach((run, r) => {
    const rules = run.tool.driver.rules ?? [];
    if (!nonEmpty(run.tool.driver.name)) problems.push(`runs[${r}].tool.driver.name is empty`);
    rules.forEach((rule, i) => {
      const at = `runs[${r}].tool.driver.rules[${i}] (${rule.id})`;
      if (!nonEmpty(rule.id)) problems.push(`${at}: no id`);
      for (const [field, text] of [
        ["shortDescription", rule.shortDescription?.text],
        ["fullDescription", rule.fullDescription?.text],
      ] as const) {
        if (!nonEmpty(text)) problems.push(`${at}: no ${field}.text`);
        else if (text.length > 1024)
          problems.push(`${at}: ${field}.text is ${text.length} characters (at most 1024)`);
      }
      if (!nonEmpty(rule.help?.text)) problems.push(`${at}: no help.text`);
      if (rule.name !== undefined && rule.name.length > 255)
        problems.push(`${at}: name is ${rule.name.length} characters (at most 255)`);
    });
    const ids = rules.map((x) => x.id);
    const seen = new Map<string, number>();
    if (run.results === undefined) problems.push(`runs[${r}].results is missing`);
    (run.results ?? []).forEach((res, i) => {
      const at = `runs[${r}].results[${i}] (${res.ruleId})`;
      if (!nonEmpty(res.ruleId) || !ids.includes(res.ruleId))
        problems.push(`${at}: ruleId names no rule of tool.driver.rules`);
      else if (res.ruleIndex !== undefined && ids[res.ruleIndex] !== res.ruleId)
        problems.push(`${at}: ruleIndex ${res.ruleIndex} is rule ${ids[res.ruleIndex]}`);
      if (!nonEmpty(res.message.text)) problems.push(`${at}: no message.text`);
      const locations = res.locations ?? [];
      if (locations.length === 0) problems.push(`${at}: no location`);
      if (locations.length > 10) problems.push(`${at}: ${locations.length} locations (at most 10)`);
      if (!nonEmpty(locations[0]?.physicalLocation?.artifactLocation?.uri))
        problems.push(`${at}: the first location has no physicalLocation.artifactLocation.uri`);
      const identity = res.partialFingerprints?.primaryLocationLineHash;
      if (!nonEmpty(identity))
        problems.push(`${at}: no partialFingerprints.primaryLocationLineHash`);
      else if (seen.has(identity))
        problems.push(`${at}: the same primaryLocationLineHash as results[${seen.get(identity)}]`);
      else seen.set(identity, i);
    });
  });
  return problems;
}
