import { webcrypto } from "node:crypto";
import "./reflect-metadata.js";
import * as x509 from "@peculiar/x509";

// @peculiar/x509 needs a WebCrypto implementation; Node's is complete for ECDSA P-256.
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const KEY_ALG = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGN_ALG = { name: "ECDSA", hash: "SHA-256" } as const;

/** One certificate with its private key, both PEM (key as PKCS#8, which node:tls accepts). */
export interface CertAndKey {
  certPem: string;
  keyPem: string;
}

/** Names the emulator's leaf answers for: the real API host (so the issuer URL is real) and loopback. */
export const LEAF_DNS_NAMES = ["api.bitbucket.org", "localhost"];
export const LEAF_IP_ADDRESSES = ["127.0.0.1", "::1"];

const DAY_MS = 86_400_000;
/** Backdating absorbs small clock differences between the emulator and its clients. */
const BACKDATE_MS = 3_600_000;

/** Trailing newline included, so PEMs can be concatenated into a chain file. */
function certToPem(cert: x509.X509Certificate): string {
  return `${cert.toString("pem").replace(/\r\n/g, "\n").trimEnd()}\n`;
}

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive and without a leading zero byte
  return Buffer.from(bytes).toString("hex");
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALG, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function keyToPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  const b64 = der.toString("base64").replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN PRIVATE KEY-----\n${b64}-----END PRIVATE KEY-----\n`;
}

async function pemToSigningKey(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  return webcrypto.subtle.importKey("pkcs8", Buffer.from(b64, "base64"), KEY_ALG, true, ["sign"]);
}

function validity(nowMs: number, days: number): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(nowMs - BACKDATE_MS), notAfter: new Date(nowMs + days * DAY_MS) };
}

export async function createRoot(nowMs: number, days: number): Promise<CertAndKey> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=bb-oidc emulator root CA, O=bb-oidc emulator",
    ...validity(nowMs, days),
    signingAlgorithm: SIGN_ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: certToPem(cert), keyPem: await keyToPem(keys.privateKey) };
}

async function issue(
  issuer: CertAndKey,
  subject: string,
  nowMs: number,
  days: number,
  extensions: x509.Extension[],
): Promise<{ cert: x509.X509Certificate; keys: CryptoKeyPair }> {
  const issuerCert = new x509.X509Certificate(issuer.certPem);
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: issuerCert.subject,
    ...validity(nowMs, days),
    signingAlgorithm: SIGN_ALG,
    publicKey: keys.publicKey,
    signingKey: await pemToSigningKey(issuer.keyPem),
    extensions: [
      ...extensions,
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuerCert),
    ],
  });
  return { cert, keys };
}

export async function createIntermediate(
  root: CertAndKey,
  nowMs: number,
  days: number,
): Promise<CertAndKey> {
  const { cert, keys } = await issue(
    root,
    "CN=bb-oidc emulator intermediate CA, O=bb-oidc emulator",
    nowMs,
    days,
    [
      // pathLength 0: this CA signs only leaves.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  );
  return { certPem: certToPem(cert), keyPem: await keyToPem(keys.privateKey) };
}

export async function createLeaf(
  intermediate: CertAndKey,
  nowMs: number,
  days: number,
): Promise<CertAndKey> {
  const { cert, keys } = await issue(intermediate, "CN=api.bitbucket.org", nowMs, days, [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension([
      ...LEAF_DNS_NAMES.map((value) => ({ type: "dns" as const, value })),
      ...LEAF_IP_ADDRESSES.map((value) => ({ type: "ip" as const, value })),
    ]),
  ]);
  return { certPem: certToPem(cert), keyPem: await keyToPem(keys.privateKey) };
}
