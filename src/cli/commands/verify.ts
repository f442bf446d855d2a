import type { Command } from "commander";
import { BbOidcError } from "../../errors.js";
import { verifyToken } from "../../oidc/index.js";
import { parseTime } from "../io.js";
import { decodeTokenArg, keyResolverFor, readTokenArg } from "../token-input.js";

interface VerifyOptions {
  token?: string;
  issuer?: string;
  audience?: string;
  jwks?: string;
  caFile?: string;
  now?: string;
  json?: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description(
      "Verify a token's signature and claims against the issuer's published keys (or a JWKS file) and print its header and claims. Exit 0 valid, 1 invalid, 2 usage error.",
    )
    .requiredOption("--token <jwt|@file|->", "the token, a file holding it, or - for stdin")
    .option("--issuer <url>", "the issuer the token must carry (default: its own iss)")
    .option("--audience <aud>", "an audience the token's aud must contain")
    .option("--jwks <file>", "verify with this JWKS instead of fetching the issuer's keys")
    .option("--ca-file <pem>", "trust this CA when fetching the issuer's keys")
    .option("--now <time>", "epoch seconds or ISO 8601 (default: now)")
    .option("--json", "print one JSON object")
    .action(async (opts: VerifyOptions) => {
      process.exitCode = await runVerify(opts);
    });
}

async function runVerify(opts: VerifyOptions): Promise<number> {
  const token = readTokenArg(opts.token!);
  const decoded = decodeTokenArg(token);
  const issuer =
    opts.issuer ?? (typeof decoded.claims.iss === "string" ? decoded.claims.iss : undefined);
  const now = opts.now ? parseTime(opts.now, "--now") : Math.floor(Date.now() / 1000);
  try {
    const verified = await verifyToken(token, {
      keys: keyResolverFor(opts),
      ...(issuer ? { issuer } : {}),
      ...(opts.audience ? { audience: opts.audience } : {}),
      now,
    });
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ valid: true, header: verified.header, claims: verified.claims }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(
        `VALID  signed by ${issuer} (kid ${String(verified.header.kid ?? "-")}, ${verified.header.alg})\n\nHeader:\n${indent(verified.header)}\n\nClaims:\n${indent(verified.claims)}\n`,
      );
    }
    return 0;
  } catch (err) {
    if (!(err instanceof BbOidcError) || err.code === "ERR_INPUT") throw err;
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ valid: false, error: { code: err.code, message: err.message }, header: decoded.header, claims: decoded.claims }, null, 2)}\n`,
      );
    } else {
      const hint = err.hint ? `\n  → ${err.hint}` : "";
      process.stdout.write(
        `INVALID  ${err.code}: ${err.message}${hint}\n\nHeader (unverified):\n${indent(decoded.header)}\n\nClaims (unverified):\n${indent(decoded.claims)}\n`,
      );
    }
    return 1;
  }
}

function indent(v: unknown): string {
  return JSON.stringify(v, null, 2)
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
