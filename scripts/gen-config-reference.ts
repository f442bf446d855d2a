// Writes bb-oidc.schema.json and docs/config-reference.md from the config field table, so the
// schema an editor uses and the reference page cannot drift from the loader.
// Run: npx tsx scripts/gen-config-reference.ts   (a test checks both files are current)
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  configJsonSchema,
  configReferenceMarkdown,
  SCHEMA_FILE,
} from "../src/provision/config/reference.js";

const root = fileURLToPath(new URL("..", import.meta.url));
writeFileSync(`${root}${SCHEMA_FILE}`, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
writeFileSync(`${root}docs/config-reference.md`, configReferenceMarkdown());
