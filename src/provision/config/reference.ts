/**
 * The JSON Schema and the reference page of `bb-oidc.yaml`, both made from the field table the
 * loader validates with (fields.ts), so neither can drift from what the loader accepts. The
 * schema ships in the package (bb-oidc.schema.json); the page is docs/config-reference.md. A
 * test fails when either file is not what these functions make now.
 */
import { allSections, configSection } from "./fields.js";
import type { JsonSchema } from "./kinds.js";

export const SCHEMA_FILE = "bb-oidc.schema.json";

export function configJsonSchema(): JsonSchema {
  const root = configSection().schema;
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "bb-oidc.yaml",
    ...root,
  };
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function configReferenceMarkdown(): string {
  const lines: string[] = [
    "# bb-oidc.yaml reference",
    "",
    "Generated from the field table the loader validates with (src/provision/config/fields.ts) by",
    "`npx tsx scripts/gen-config-reference.ts`; do not edit by hand. The same table makes the JSON",
    `Schema shipped in the package, \`${SCHEMA_FILE}\`: editors with the YAML language server`,
    "(VS Code's YAML extension, for one) validate and complete the file with it when its first line is",
    "",
    "```yaml",
    `# yaml-language-server: $schema=./node_modules/bb-oidc/${SCHEMA_FILE}`,
    "```",
    "",
    "`bb-oidc template`, `lint`, `who-can` and `deploy` read the file; every problem is reported with",
    "its `file:line:column` and field path. UUIDs are written with braces, as Bitbucket shows them.",
  ];
  for (const s of allSections()) {
    lines.push(
      "",
      `## ${s.where === "(top level)" ? "Top level" : `\`${s.where}\``}`,
      "",
      s.description,
      "",
    );
    lines.push(
      "| Field | Type | Required | Default | Description |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const f of s.fields) {
      lines.push(
        `| \`${f.name}\` | ${cell(f.kind.type)} | ${f.required ? "yes" : "no"} | ${cell(f.default ?? "")} | ${cell(f.description)} |`,
      );
    }
    if (s.rules.length > 0) {
      lines.push("", "Rules between fields:", "");
      for (const r of s.rules) lines.push(`- ${r}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
