import type { Command } from "commander";
import {
  DEFAULT_API_BASE,
  issuerFor,
  normalizeApiBase,
  parseIssuer,
} from "../../bitbucket/issuer.js";
import { BbOidcError, InputError } from "../../errors.js";
import { type DecodedToken, verifyToken } from "../../oidc/index.js";
import { parseTime } from "../io.js";
import { decodeTokenArg, keyResolverFor, readTokenArg } from "../token-input.js";

interface VerifyOptions {
  token?: string;
  issuer?: string;
  workspace?: string;
  apiBase?: string;
  audience?: string;
  jwks?: string;
  caFile?: string;
  now?: string;
  json?: boolean;
}

/** `verify`'s exit codes (docs/commands.md). 2 is the CLI's usage error, 3 an internal one. */
export const VERIFY_EXIT = { valid: 0, invalid: 1, unverified: 4, couldNotCheck: 5 } as const;

type Status = "valid" | "invalid" | "unverified" | "could-not-check";

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description(
      "Verify a token's signature and claims against the keys of a Bitbucket workspace issuer you name (--workspace, --issuer or --api-base), or of a JWKS file, and print its header and claims. Keys are never fetched from a host the token alone names. Exit 0 valid, 1 invalid, 2 usage error, 4 unverified (no issuer named), 5 could not check (the issuer's keys could not be fetched).",
    )
    .requiredOption("--token <jwt|@file|->", "the token, a file holding it, or - for stdin")
    .option("--workspace <slug>", "the Bitbucket workspace whose issuer the token must come from")
    .option(
      "--issuer <url>",
      "the Bitbucket workspace issuer the token must carry (https://api.bitbucket.org/2.0/workspaces/<slug>/pipelines-config/identity/oidc)",
    )
    .option(
      "--api-base <url>",
      "where Bitbucket's API answers instead of https://api.bitbucket.org (the emulator's --bitbucket-port address); alone, the token's workspace there",
    )
    .option("--audience <aud>", "an audience the token's aud must contain")
    .option("--jwks <file>", "verify with this JWKS instead of fetching the issuer's keys")
    .option("--ca-file <pem>", "trust this CA when fetching the issuer's keys (the emulator's)")
    .option("--now <time>", "epoch seconds or ISO 8601 (default: now)")
    .option("--json", "print one JSON object")
    .action(async (opts: VerifyOptions) => {
      process.exitCode = await runVerify(opts);
    });
}

/** The issuers the user pinned, and how to reach their hosts (an --api-base stand-in). */
interface Pin {
  issuers: string[];
  hostMap?: Record<string, string>;
  /** For the output: what pinned it. */
  by: string;
}

/**
 * The issuer the token must come from, from the flags only; the token's own `iss` picks the
 * workspace only under an --api-base the user named. Undefined: nothing pinned.
 */
function pinOf(opts: VerifyOptions, tokenIss: unknown): Pin | undefined {
  const apiBase = opts.apiBase;
  const standIn = apiBase === undefined ? undefined : standInMap(apiBase);
  if (opts.issuer !== undefined) {
    if (!parseIssuer(opts.issuer)) {
      throw new InputError(`--issuer: ${opts.issuer} is not a Bitbucket workspace issuer.`, {
        hint: "Use https://api.bitbucket.org/2.0/workspaces/<slug>/pipelines-config/identity/oidc, or --workspace <slug>.",
      });
    }
    return { issuers: [opts.issuer], ...standIn, by: "--issuer" };
  }
  let workspace = opts.workspace;
  if (workspace === undefined && apiBase !== undefined && typeof tokenIss === "string") {
    const named = parseIssuer(tokenIss);
    const bases = [DEFAULT_API_BASE, normalizeApiBase(apiBase)];
    if (named && bases.includes(named.apiBase)) workspace = named.workspace;
  }
  if (workspace === undefined) {
    // Under --api-base, a token that names no workspace of that API matches nothing.
    return apiBase === undefined ? undefined : { issuers: [], ...standIn, by: "--api-base" };
  }
  const issuers = [issuerFor(workspace)];
  if (apiBase !== undefined) issuers.push(issuerFor(workspace, apiBase));
  return {
    issuers: [...new Set(issuers)],
    ...standIn,
    by: opts.workspace !== undefined ? "--workspace" : "--api-base",
  };
}

/** `{ "api.bitbucket.org:443": "<host:port>" }`: the stand-in answers for Bitbucket's API. */
export function standInMap(apiBase: string): { hostMap?: Record<string, string> } {
  const base = normalizeApiBase(apiBase);
  if (base === DEFAULT_API_BASE) return {};
  const url = new URL(base);
  return { hostMap: { [`${new URL(DEFAULT_API_BASE).hostname}:443`]: url.host } };
}

async function runVerify(opts: VerifyOptions): Promise<number> {
  const token = readTokenArg(opts.token!);
  const decoded = decodeTokenArg(token);
  const iss = decoded.claims.iss;
  const pin = pinOf(opts, iss);
  const now = opts.now ? parseTime(opts.now, "--now") : Math.floor(Date.now() / 1000);

  if (pin === undefined && opts.jwks === undefined) {
    return report(opts, "unverified", decoded, {
      code: "ERR_ISSUER_NOT_PINNED",
      message: `the token's issuer ${JSON.stringify(iss)} was not checked: keys are only fetched for an issuer you name`,
      hint: "Name it: --workspace <slug> (or --issuer <url>); for the emulator also --api-base https://127.0.0.1:<port> --ca-file <its CA>. Or give the keys: --jwks <file>.",
    });
  }
  if (pin !== undefined && !pin.issuers.includes(iss as string)) {
    return report(opts, "invalid", decoded, {
      code: "ERR_ISSUER_MISMATCH",
      message:
        pin.issuers.length > 0
          ? `token issuer ${JSON.stringify(iss)} is not ${pin.issuers.map((i) => JSON.stringify(i)).join(" or ")} (${pin.by})`
          : `token issuer ${JSON.stringify(iss)} is no workspace issuer of ${opts.apiBase} (--api-base)`,
      hint: "issuers are compared exactly (case, trailing slash); this token comes from another workspace or host",
    });
  }
  try {
    const verified = await verifyToken(token, {
      keys: keyResolverFor({
        ...(opts.jwks ? { jwks: opts.jwks } : {}),
        ...(opts.caFile ? { caFile: opts.caFile } : {}),
        ...(pin?.hostMap ? { hostMap: pin.hostMap } : {}),
      }),
      ...(pin !== undefined ? { issuer: iss as string } : {}),
      ...(opts.audience ? { audience: opts.audience } : {}),
      now,
    });
    return report(opts, "valid", verified, undefined, pin);
  } catch (err) {
    if (!(err instanceof BbOidcError) || err.code === "ERR_INPUT") throw err;
    // Keys that could not be fetched say nothing about the token.
    const unreachable = err.is("ERR_KEY_NOT_FOUND") && err.actual === "unreachable";
    return report(opts, unreachable ? "could-not-check" : "invalid", decoded, {
      code: err.code,
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
    });
  }
}

function report(
  opts: VerifyOptions,
  status: Status,
  token: DecodedToken,
  error?: { code: string; message: string; hint?: string },
  pin?: Pin,
): number {
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          valid: status === "valid",
          status,
          ...(error ? { error: { code: error.code, message: error.message } } : {}),
          header: token.header,
          claims: token.claims,
        },
        null,
        2,
      )}\n`,
    );
  } else if (status === "valid") {
    const by = pin ? `signed by ${String(token.claims.iss)}` : `signed by a key of ${opts.jwks}`;
    process.stdout.write(
      `VALID  ${by} (kid ${String(token.header.kid ?? "-")}, ${token.header.alg})\n\nHeader:\n${indent(token.header)}\n\nClaims:\n${indent(token.claims)}\n`,
    );
  } else {
    const word = {
      invalid: "INVALID",
      unverified: "UNVERIFIED",
      "could-not-check": "COULD NOT CHECK",
    }[status];
    const hint = error?.hint ? `\n  → ${error.hint}` : "";
    process.stdout.write(
      `${word}  ${error!.code}: ${error!.message}${hint}\n\nHeader (unverified):\n${indent(token.header)}\n\nClaims (unverified):\n${indent(token.claims)}\n`,
    );
  }
  return {
    valid: VERIFY_EXIT.valid,
    invalid: VERIFY_EXIT.invalid,
    unverified: VERIFY_EXIT.unverified,
    "could-not-check": VERIFY_EXIT.couldNotCheck,
  }[status];
}

function indent(v: unknown): string {
  return JSON.stringify(v, null, 2)
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
