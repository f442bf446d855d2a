/**
 * Test PKI: root CA → intermediate CA → leaf, generated with @peculiar/x509 on Node's webcrypto.
 * Reusable by any test that needs a local HTTPS server with a real chain (e.g. the emulator).
 */
import { createHash, webcrypto } from "node:crypto";
import { isIP } from "node:net";
import "./reflect-shim.js";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface TestCert {
  pem: string;
  /** SHA-1 of the DER, 40 lowercase hex. */
  sha1: string;
  keyPem: string;
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export interface TestPki {
  root: TestCert;
  intermediate: TestCert;
  leaf: TestCert;
  /** What a server sends: leaf then intermediate. */
  chainPem: string;
  /** What clients trust. */
  caPem: string;
}

export interface TestPkiOptions {
  /** DNS names and IP addresses for the leaf. Default api.bitbucket.org, localhost, 127.0.0.1. */
  hosts?: string[];
  /** Prefix for subject common names, so several PKIs are told apart. */
  name?: string;
  notBefore?: Date;
  notAfter?: Date;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

async function wrap(cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<TestCert> {
  return {
    pem: `${cert.toString("pem")}\n`,
    sha1: createHash("sha1").update(Buffer.from(cert.rawData)).digest("hex"),
    keyPem: await pkcs8Pem(keys.privateKey),
    cert,
    keys,
  };
}

function serial(): string {
  return `01${Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString("hex")}`;
}

export async function createTestPki(opts: TestPkiOptions = {}): Promise<TestPki> {
  const name = opts.name ?? "bb-oidc test";
  const hosts = opts.hosts ?? ["api.bitbucket.org", "localhost", "127.0.0.1"];
  const notBefore = opts.notBefore ?? new Date(Date.now() - 3600_000);
  const notAfter = opts.notAfter ?? new Date(Date.now() + 7 * 24 * 3600_000);

  const rootKeys = await keyPair();
  const rootCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name} Root CA`,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    keys: rootKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });

  const intKeys = await keyPair();
  const intCert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${name} Intermediate CA`,
    issuer: rootCert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: intKeys.publicKey,
    signingKey: rootKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(intKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });

  const leafKeys = await keyPair();
  const leafCert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${hosts[0] ?? "localhost"}`,
    issuer: intCert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: leafKeys.publicKey,
    signingKey: intKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        hosts.map(
          (h): x509.JsonGeneralName =>
            isIP(h) ? { type: "ip", value: h } : { type: "dns", value: h },
        ),
      ),
      await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(intKeys.publicKey),
    ],
  });

  const root = await wrap(rootCert, rootKeys);
  const intermediate = await wrap(intCert, intKeys);
  const leaf = await wrap(leafCert, leafKeys);
  return {
    root,
    intermediate,
    leaf,
    chainPem: leaf.pem + intermediate.pem,
    caPem: root.pem,
  };
}
