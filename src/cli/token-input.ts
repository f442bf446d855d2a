import { readFileSync } from "node:fs";
import { InputError } from "../errors.js";
import {
  compactToken,
  createHttpsFetcher,
  type JsonFetcher,
  JwksCache,
  type KeyResolver,
  StaticJwks,
} from "../oidc/index.js";
import { parseJsonText, readRawValueArg, readTextFile } from "./io.js";
import { networkRoute } from "./network.js";
import { registerSecret } from "./redact.js";

export { decodeTokenArg } from "./token-arg.js";

/**
 * Reads `--token <jwt|@file|->` as sent (the decision ignores surrounding whitespace as STS does,
 * so `verify`/`explain` see the bytes the emulator would) and registers it as a secret so no
 * output can echo it.
 */
export function readTokenArg(value: string, flag = "--token"): string {
  const token = readRawValueArg(value, flag);
  const compact = compactToken(token);
  if (!compact) throw new InputError(`${flag}: the token is empty.`);
  registerSecret(compact);
  return token;
}

/**
 * Keys from a JWKS file, or fetched from the issuer (discovery → jwks_uri) over HTTPS, through
 * the step's proxy when one is set (network.ts).
 */
export function keyResolverFor(opts: {
  jwks?: string;
  caFile?: string;
  /** Connections for `host:port` go to another address (an --api-base stand-in). */
  hostMap?: Record<string, string>;
}): KeyResolver {
  if (opts.jwks) {
    const jwks = parseJsonText(readTextFile(opts.jwks, "--jwks"), opts.jwks);
    if (!jwks || typeof jwks !== "object" || !Array.isArray((jwks as { keys?: unknown }).keys)) {
      throw new InputError(
        `--jwks: ${opts.jwks} is not a JWKS document (an object with a "keys" array).`,
      );
    }
    return new StaticJwks(jwks as { keys: Record<string, unknown>[] });
  }
  const ca = opts.caFile ? readCa(opts.caFile) : undefined;
  const fetcher: JsonFetcher = async (url, o) => {
    // A stand-in (--api-base) follows the same proxy rules as discover's: decided on the address
    // connected to, so NO_PROXY=127.0.0.1 keeps a local emulator direct (docs/decisions.md).
    const network = await networkRoute(process.env);
    return createHttpsFetcher({
      ...(ca ? { ca } : {}),
      ...(opts.hostMap ? { hostMap: opts.hostMap } : {}),
      ...(network ? { agent: network.agent } : {}),
    })(url, o);
  };
  return new JwksCache({ fetcher });
}

function readCa(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new InputError(`--ca-file: cannot read ${path}.`, {
      hint: "Give a PEM file with the CA certificate(s) to trust.",
    });
  }
}
