import { InputError } from "../errors.js";

/** 8-4-4-4-12 hex digits, as Bitbucket prints them (any case accepted). */
const BARE_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const BRACED_UUID =
  /^\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}$/;

/** A UUID written without braces: `1de489be-…`. */
export function isBareUuid(value: unknown): value is string {
  return typeof value === "string" && BARE_UUID.test(value);
}

/** A UUID written with braces, as Bitbucket writes them in claims: `{1de489be-…}`. */
export function isBracedUuid(value: unknown): value is string {
  return typeof value === "string" && BRACED_UUID.test(value);
}

/**
 * Strict: returns the UUID with braces. Accepts `{uuid}` (unchanged) or a bare `uuid`; anything
 * else is an `InputError`. Case is kept as given.
 */
export function braceUuid(value: string, what = "UUID"): string {
  if (isBracedUuid(value)) return value;
  if (isBareUuid(value)) return `{${value}}`;
  throw new InputError(`${what} ${JSON.stringify(value)} is not a UUID`, {
    expected: "a UUID such as {1de489be-7d0a-4b7e-9c43-0f6b1b2c3d4e}",
    actual: value,
  });
}

/** Strict: returns the UUID without braces. Accepts `{uuid}` or a bare `uuid`. */
export function unbraceUuid(value: string, what = "UUID"): string {
  return braceUuid(value, what).slice(1, -1);
}

/**
 * Where Bitbucket's claims carry braces (`sub`, `repositoryUuid`, …) a bare UUID is a mistake that
 * silently never matches. Returns the value if braced; otherwise throws an `InputError` that says
 * how to write it.
 */
export function requireBracedUuid(value: string, what = "UUID"): string {
  if (isBracedUuid(value)) return value;
  if (isBareUuid(value)) {
    throw new InputError(
      `${what} ${JSON.stringify(value)} has no braces. UUIDs in Bitbucket claims carry braces: write {${value}}`,
      { expected: `{${value}}`, actual: value, hint: `write {${value}}` },
    );
  }
  throw new InputError(`${what} ${JSON.stringify(value)} is not a UUID`, {
    expected: "a UUID in braces, such as {1de489be-7d0a-4b7e-9c43-0f6b1b2c3d4e}",
    actual: value,
  });
}
