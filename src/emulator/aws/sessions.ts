import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { Store } from "../store/types.js";
import { awsId, type RandomSource } from "./random.js";

/** What an issued session carries; everything needed to authenticate a call made with it. */
export interface SessionClaims {
  account: string;
  roleArn: string;
  roleId: string;
  roleName: string;
  sessionName: string;
  sourceIdentity?: string;
  /** Epoch seconds. */
  issuedAt: number;
  /** Epoch seconds. */
  expiresAt: number;
  /** Assumed with session credentials: a further AssumeRole is capped at one hour. */
  chained: boolean;
  /** For web-identity sessions: the provider ARN (`aws:FederatedProvider`). */
  federatedProvider?: string;
  /** Session tags (`aws:PrincipalTag/…`), and the keys that pass on to a chained session. */
  tags?: { key: string; value: string }[];
  transitiveTagKeys?: string[];
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch seconds. */
  expiration: number;
}

export interface OpenedSession {
  claims: SessionClaims;
  secretAccessKey: string;
}

const META = "aws-meta";
const MASTER_KEY = "session-master";
/** 1 was AES-GCM sealed claims; its tokens are refused like any foreign token. */
const TOKEN_VERSION = 2;
const MAC_BYTES = 32;
const SECRET_BYTES = 30;

/**
 * Sessions are stateless. One HMAC-SHA512 under a master secret, over the access key ID and the
 * claims, yields both the secret key (its first 30 bytes: 40 base64 characters, like AWS's) and
 * the token's MAC (its last 32). The token is the MAC and the claims in the clear: nothing in
 * them is secret (role, session name, expiry), and a MAC is all that stops forgery. So checking a
 * call needs no lookup, memory does not grow per session, sessions survive restarts because only
 * the master secret is stored, and issuing costs one HMAC (this is on the STS hot path).
 */
export class SessionAuthority {
  private readonly key: Buffer;
  private readonly random: RandomSource;

  private constructor(master: Buffer, random: RandomSource) {
    this.key = Buffer.from(
      hkdfSync("sha256", master, Buffer.alloc(0), "bb-oidc emulator session v2", 64),
    );
    this.random = random;
  }

  static async open(store: Store, random: RandomSource): Promise<SessionAuthority> {
    let stored = store.get<{ secret: string }>(META, MASTER_KEY);
    if (!stored) {
      stored = { secret: random(32).toString("base64") };
      await store.put(META, MASTER_KEY, stored);
    }
    return new SessionAuthority(Buffer.from(stored.secret, "base64"), random);
  }

  issue(claims: SessionClaims): IssuedCredentials {
    const accessKeyId = awsId("ASIA", this.random);
    const body = Buffer.from(JSON.stringify(claims), "utf8");
    const mac = this.mac(accessKeyId, body);
    return {
      accessKeyId,
      secretAccessKey: mac.toString("base64", 0, SECRET_BYTES),
      sessionToken: Buffer.concat([
        Buffer.of(TOKEN_VERSION),
        mac.subarray(mac.length - MAC_BYTES),
        body,
      ]).toString("base64"),
      expiration: claims.expiresAt,
    };
  }

  /** The claims and secret, or undefined for any token not issued with this key by this emulator. */
  open(accessKeyId: string, sessionToken: string): OpenedSession | undefined {
    const raw = Buffer.from(sessionToken, "base64");
    if (raw.length < 1 + MAC_BYTES + 2 || raw[0] !== TOKEN_VERSION) return undefined;
    const body = raw.subarray(1 + MAC_BYTES);
    const mac = this.mac(accessKeyId, body);
    if (!timingSafeEqual(mac.subarray(mac.length - MAC_BYTES), raw.subarray(1, 1 + MAC_BYTES))) {
      return undefined;
    }
    try {
      return {
        claims: JSON.parse(body.toString("utf8")) as SessionClaims,
        secretAccessKey: mac.toString("base64", 0, SECRET_BYTES),
      };
    } catch {
      return undefined;
    }
  }

  private mac(accessKeyId: string, body: Buffer): Buffer {
    // The NUL keeps (key ID, claims) pairs unambiguous; key IDs never contain one.
    return createHmac("sha512", this.key).update(`${accessKeyId}\0`).update(body).digest();
  }
}
