import type { ParamSpec } from "../../../sts/validate-params.js";
import { checkConstraints, invalidInput, limitExceeded } from "../errors.js";
import type { AccountLock } from "./account-lock.js";
import { IAM_LIMITS } from "./limits.js";
import type { TagRecord } from "./records.js";

/**
 * IAM's tag rules (docs/aws-behaviour.md "IAM API"): the model's length and character limits as
 * ValidationError lines (joined with the request's other violations), then the rules the model
 * cannot express (duplicate keys, reserved prefix) as InvalidInput, then the quota on the result.
 */

const TAG_KEY = { re: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, text: "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+" };
const TAG_VALUE = { re: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, text: "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*" };

/** A tag as read from the wire, where either half may be missing. */
export interface TagInput {
  key?: string;
  value?: string;
}

function at(value: string | undefined, member: string): string {
  return `${value === undefined ? "Value null" : `Value '${value}'`} at '${member}' failed to satisfy constraint:`;
}

function stringViolations(
  value: string | undefined,
  member: string,
  limits: { min: number; max: number; pattern: { re: RegExp; text: string } },
): string[] {
  if (value === undefined) return [`${at(value, member)} Member must not be null`];
  const out: string[] = [];
  // Lengths in characters (code points), as AWS counts them.
  const length = [...value].length;
  if (length < limits.min)
    out.push(`${at(value, member)} Member must have length greater than or equal to ${limits.min}`);
  if (length > limits.max)
    out.push(`${at(value, member)} Member must have length less than or equal to ${limits.max}`);
  if (!limits.pattern.re.test(value))
    out.push(
      `${at(value, member)} Member must satisfy regular expression pattern: ${limits.pattern.text}`,
    );
  return out;
}

function render(tags: TagInput[]): string {
  return `[${tags.map((t) => `{Key: ${t.key ?? ""}, Value: ${t.value ?? ""}}`).join(", ")}]`;
}

/** Violations of the model for a `Tags` list; empty when it is valid (or absent and optional). */
export function tagListViolations(
  tags: TagInput[] | undefined,
  opts: { required?: boolean; member?: string } = {},
): string[] {
  const member = opts.member ?? "tags";
  if (tags === undefined)
    return opts.required ? [`${at(undefined, member)} Member must not be null`] : [];
  const out: string[] = [];
  if (tags.length > IAM_LIMITS.tagsPerResource) {
    out.push(
      `Value '${render(tags)}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${IAM_LIMITS.tagsPerResource}`,
    );
  }
  tags.forEach((t, i) => {
    out.push(
      ...stringViolations(t.key, `${member}.${i + 1}.member.key`, {
        min: 1,
        max: 128,
        pattern: TAG_KEY,
      }),
      ...stringViolations(t.value, `${member}.${i + 1}.member.value`, {
        min: 0,
        max: 256,
        pattern: TAG_VALUE,
      }),
    );
  });
  return out;
}

/** Violations of the model for a `TagKeys` list (UntagRole and friends). */
export function tagKeyListViolations(keys: string[] | undefined, member = "tagKeys"): string[] {
  if (keys === undefined) return [`${at(undefined, member)} Member must not be null`];
  const out: string[] = [];
  if (keys.length > IAM_LIMITS.tagsPerResource) {
    out.push(
      `Value '[${keys.join(", ")}]' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${IAM_LIMITS.tagsPerResource}`,
    );
  }
  keys.forEach((k, i) => {
    out.push(
      ...stringViolations(k, `${member}.${i + 1}.member`, { min: 1, max: 128, pattern: TAG_KEY }),
    );
  });
  return out;
}

/**
 * Tags that passed the model, as stored. IAM compares keys without regard to case, so two keys
 * differing only in case are one key twice; `aws:` keys are AWS's own.
 */
export function checkedTags(tags: TagInput[] | undefined): TagRecord[] {
  if (tags === undefined) return [];
  const seen = new Set<string>();
  const out: TagRecord[] = [];
  for (const t of tags) {
    const key = t.key ?? "";
    const lower = key.toLowerCase();
    if (seen.has(lower)) {
      throw invalidInput(
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
      );
    }
    if (lower.startsWith("aws:")) {
      throw invalidInput(
        `Tag key '${key}' is not allowed: keys beginning with 'aws:' are reserved for AWS's own use.`,
      );
    }
    seen.add(lower);
    out.push({ key, value: t.value ?? "" });
  }
  return out;
}

/**
 * `existing` with `added` applied: a key already there (in any case) takes the new value and
 * the new key's spelling, as IAM does. Refused when the result would pass the quota.
 */
export function mergeTags(existing: TagRecord[], added: TagRecord[], quota: string): TagRecord[] {
  const out = [...existing];
  for (const t of added) {
    const i = out.findIndex((e) => e.key.toLowerCase() === t.key.toLowerCase());
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  if (out.length > IAM_LIMITS.tagsPerResource) {
    throw limitExceeded(`Cannot exceed quota for ${quota}: ${IAM_LIMITS.tagsPerResource}`);
  }
  return out;
}

/** `existing` without `keys` (compared without regard to case); absent keys are no error. */
export function removeTags(existing: TagRecord[], keys: string[]): TagRecord[] {
  const drop = new Set(keys.map((k) => k.toLowerCase()));
  return existing.filter((t) => !drop.has(t.key.toLowerCase()));
}

/** One stored entity that carries tags, as TagX/UntagX reach it. */
export interface TagTarget<R extends { tags: TagRecord[] }> {
  lock: AccountLock;
  account: string;
  /** The constraints on the entity's own parameter (its name or ARN). */
  specs: ParamSpec[];
  load: () => R;
  save: (record: R) => Promise<void>;
  /** The quota's name in IAM's LimitExceeded text, e.g. TagsPerRole. */
  quota: string;
}

/** TagX: check, then merge the tags into the entity, under the account lock. */
export function addTags<R extends { tags: TagRecord[] }>(
  target: TagTarget<R>,
  tags: TagInput[] | undefined,
): Promise<void> {
  return target.lock.run(target.account, async () => {
    checkConstraints(target.specs, tagListViolations(tags, { required: true }));
    const added = checkedTags(tags);
    const record = target.load();
    await target.save({ ...record, tags: mergeTags(record.tags, added, target.quota) });
  });
}

/** UntagX: check, then remove the keys from the entity, under the account lock. */
export function dropTags<R extends { tags: TagRecord[] }>(
  target: TagTarget<R>,
  tagKeys: string[] | undefined,
): Promise<void> {
  return target.lock.run(target.account, async () => {
    checkConstraints(target.specs, tagKeyListViolations(tagKeys));
    const record = target.load();
    await target.save({ ...record, tags: removeTags(record.tags, tagKeys ?? []) });
  });
}

/** TagX, UntagX and ListXTags for one kind of entity, given how to reach one by account and ID. */
export function tagging<R extends { tags: TagRecord[] }>(
  target: (account: string, id: string) => TagTarget<R>,
) {
  return {
    tag: (account: string, id: string, tags: TagInput[] | undefined) =>
      addTags(target(account, id), tags),
    untag: (account: string, id: string, tagKeys: string[] | undefined) =>
      dropTags(target(account, id), tagKeys),
    list: (account: string, id: string): TagRecord[] => target(account, id).load().tags,
  };
}
