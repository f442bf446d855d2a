import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from "node:crypto";
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
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch seconds. */
  expiration: number;
}

const META = "aws-meta";
const MASTER_KEY = "session-master";
const TOKEN_VERSION = 1;

/**
 * Sessions are stateless: the secret key is an HMAC of the access key ID under a master secret,
 * and the session token is the claims sealed with AES-256-GCM (the access key ID as associated
 * data, so a token only works with the key it was issued with). Verifying a call therefore needs
 * no lookup, memory does not grow per session, and sessions survive restarts because only the
 * master secret is stored.
 */
export class SessionAuthority {
  private readonly secretKey: Buffer;
  private readonly tokenKey: Buffer;
  private readonly random: RandomSource;

  private constructor(master: Buffer, random: RandomSource) {
    this.secretKey = derive(master, "bb-oidc emulator session secret v1");
    this.tokenKey = derive(master, "bb-oidc emulator session token v1");
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
    const iv = this.random(12);
    const cipher = createCipheriv("aes-256-gcm", this.tokenKey, iv);
    cipher.setAAD(Buffer.from(accessKeyId, "utf8"));
    const body = Buffer.concat([
      cipher.update(JSON.stringify(claims), "utf8"),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return {
      accessKeyId,
      secretAccessKey: this.secretFor(accessKeyId),
      sessionToken: Buffer.concat([Buffer.of(TOKEN_VERSION), iv, body]).toString("base64"),
      expiration: claims.expiresAt,
    };
  }

  secretFor(accessKeyId: string): string {
    // 40 characters like a real secret key; base64 of 30 bytes has no padding.
    return createHmac("sha256", this.secretKey)
      .update(accessKeyId)
      .digest()
      .subarray(0, 30)
      .toString("base64");
  }

  /** The claims, or undefined for any token that was not issued for this key by this emulator. */
  open(accessKeyId: string, sessionToken: string): SessionClaims | undefined {
    const raw = Buffer.from(sessionToken, "base64");
    if (raw.length < 1 + 12 + 16 + 2 || raw[0] !== TOKEN_VERSION) return undefined;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.tokenKey, raw.subarray(1, 13));
      decipher.setAAD(Buffer.from(accessKeyId, "utf8"));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const plain = Buffer.concat([
        decipher.update(raw.subarray(13, raw.length - 16)),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString("utf8")) as SessionClaims;
    } catch {
      return undefined;
    }
  }
}

function derive(master: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), info, 32));
}
