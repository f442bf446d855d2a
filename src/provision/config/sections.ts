/**
 * A mapping of `bb-oidc.yaml` (the file, `workspace`, `provider`, a role) as a table of fields
 * plus the rules that relate fields to each other. A section is itself a value kind: the loader
 * checks it, the schema and the reference page describe it, all from the same table.
 */
import type { Path } from "../reader/source-locations.js";
import type { Checker } from "./checker.js";
import type { JsonSchema, Kind } from "./kinds.js";

export interface Field {
  name: string;
  kind: Kind<unknown>;
  /** What the reference page and the editor say about the field. */
  description: string;
  /** When set, the field is required and this is the message when it is missing. */
  required?: string;
  /** The default, as the reference page shows it. */
  default?: string;
}

/** The checked fields of one mapping. */
export interface ReadSection {
  /** The mapping as written. */
  raw: Record<string, unknown>;
  /** Each present field's checked value; absent or refused fields are undefined. */
  values: Record<string, unknown>;
  path: Path;
  at(field: string): Path;
  /** How many problems the checker held before this mapping was read. */
  problemsBefore: number;
}

export interface Section<T> extends Kind<T> {
  title: string;
  /** How the reference page names where the mapping is (`roles[]`). */
  where: string;
  description: string;
  fields: readonly Field[];
  /** Rules between fields, as the reference page lists them. */
  rules: readonly string[];
}

export interface SectionSpec<T> {
  title: string;
  where: string;
  /** Completes "expected … (a mapping)". */
  what: string;
  description: string;
  fields: readonly Field[];
  rules?: readonly string[];
  /** Schema keywords for the rules (`oneOf`, `anyOf`). */
  schema?: JsonSchema;
  /** Checks the rules between fields and builds the value; undefined when something failed. */
  build(c: Checker, read: ReadSection): T | undefined;
}

export function section<T>(spec: SectionSpec<T>): Section<T> {
  const names = spec.fields.map((f) => f.name);
  const properties: Record<string, JsonSchema> = {};
  for (const f of spec.fields) {
    properties[f.name] = {
      ...f.kind.schema,
      description: f.description + (f.default ? ` Default: ${f.default}.` : ""),
    };
  }
  const required = spec.fields.filter((f) => f.required).map((f) => f.name);
  return {
    title: spec.title,
    where: spec.where,
    description: spec.description,
    fields: spec.fields,
    rules: spec.rules ?? [],
    type: "mapping",
    schema: {
      type: "object",
      description: spec.description,
      properties,
      ...(required.length > 0 ? { required } : {}),
      additionalProperties: false,
      ...(spec.schema ?? {}),
    },
    check(c, value, path) {
      const raw = c.mapping(value, path, spec.what);
      if (!raw) return undefined;
      const problemsBefore = c.problems.length;
      c.onlyKeys(raw, path, names);
      const values: Record<string, unknown> = {};
      const at = (field: string): Path => [...path, field];
      for (const f of spec.fields) {
        const v = raw[f.name];
        if (v === undefined) {
          if (f.required) c.report(at(f.name), f.required, { at: "key" });
          continue;
        }
        values[f.name] = f.kind.check(c, v, at(f.name));
      }
      return spec.build(c, { raw, values, path, at, problemsBefore });
    },
  };
}
