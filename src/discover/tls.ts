import { isIP } from "node:net";
import { iamThumbprint, type TlsChain } from "../oidc/index.js";
import type { CertificateFacts, DiscoverWarning, TlsHostFacts } from "./types.js";

const DAY_MS = 86_400_000;

/** Certificates expiring within this many days of `now` are worth a warning. */
export const DEFAULT_EXPIRY_WARNING_DAYS = 30;

/** `host:port`, with IPv6 literals bracketed. */
export function joinHostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * The shell commands an auditor runs to get IAM's thumbprint without bb-oidc: the served chain
 * (`s_client -showcerts`), its last certificate, and that certificate's SHA-1 fingerprint without
 * colons, in lowercase. `connect` differs from `host` only when a stand-in serves the host.
 * Every line is valid POSIX shell (comments start with `#`).
 */
export function opensslCommands(host: string, port: number, connect?: string): string[] {
  const target = connect ?? joinHostPort(host, port);
  const sni = isIP(host) ? "" : `-servername ${host} `;
  const sClient = `openssl s_client ${sni}-showcerts -connect ${target} </dev/null`;
  return [
    "# 1. the chain as served; the last certificate printed is the top intermediate CA:",
    sClient,
    "# 2. keep that last certificate:",
    `${sClient} 2>/dev/null | awk '/-----BEGIN CERTIFICATE-----/{pem=""} {pem=pem $0 "\\n"} /-----END CERTIFICATE-----/{last=pem} END{printf "%s", last}' > last.pem`,
    "# 3. its SHA-1 fingerprint, without colons, in lowercase, is the thumbprint:",
    "openssl x509 -in last.pem -fingerprint -sha1 -noout | cut -d= -f2 | tr -d : | tr 'A-F' 'a-f'",
  ];
}

function certificateFacts(chain: TlsChain, nowMs: number): CertificateFacts[] {
  return chain.certificates.map((c) => {
    const notAfterMs = Date.parse(c.validTo);
    return {
      subject: c.subject,
      issuer: c.issuer,
      validFrom: c.validFrom,
      validTo: c.validTo,
      notAfter: Number.isNaN(notAfterMs) ? c.validTo : new Date(notAfterMs).toISOString(),
      daysLeft: Number.isNaN(notAfterMs) ? 0 : Math.floor((notAfterMs - nowMs) / DAY_MS),
      sha1: c.sha1,
      selfSigned: c.selfSigned,
      pem: c.pem,
    };
  });
}

/** Turns a handshake's chain into report facts plus the warnings it deserves. */
export function tlsHostFacts(
  chain: TlsChain,
  opts: {
    host: string;
    serves: TlsHostFacts["serves"];
    connectedTo?: string;
    nowMs: number;
    expiryWarningDays?: number;
  },
): { facts: TlsHostFacts; warnings: DiscoverWarning[] } {
  const certificates = certificateFacts(chain, opts.nowMs);
  const thumbprint = iamThumbprint(chain);
  const facts: TlsHostFacts = {
    host: opts.host,
    port: chain.port,
    serves: opts.serves,
    ...(opts.connectedTo === undefined ? {} : { connectedTo: opts.connectedTo }),
    protocol: chain.protocol,
    chainSource: chain.source,
    certificates,
    thumbprint,
    openssl: opensslCommands(opts.host, chain.port, opts.connectedTo),
  };
  const warnings: DiscoverWarning[] = [];
  const windowMs = (opts.expiryWarningDays ?? DEFAULT_EXPIRY_WARNING_DAYS) * DAY_MS;
  certificates.forEach((c, i) => {
    const notAfterMs = Date.parse(c.validTo);
    if (Number.isNaN(notAfterMs)) return;
    const role =
      i === 0 ? "leaf" : i === certificates.length - 1 ? "top intermediate" : "intermediate";
    const what = `the ${role} certificate ${c.subject} (sha1 ${c.sha1}) served by ${opts.host}`;
    const thumbNote =
      i === certificates.length - 1
        ? "; it is the one the IAM thumbprint is taken from, so the thumbprint will change when it is replaced"
        : "";
    if (notAfterMs <= opts.nowMs) {
      warnings.push({
        code: "CERT_EXPIRED",
        message: `${what} expired on ${c.notAfter}${thumbNote}`,
      });
    } else if (notAfterMs - opts.nowMs < windowMs) {
      warnings.push({
        code: "CERT_EXPIRES_SOON",
        message: `${what} expires on ${c.notAfter}, in ${c.daysLeft} day${c.daysLeft === 1 ? "" : "s"}${thumbNote}`,
      });
    }
  });
  if (certificates.length === 1) {
    warnings.push({
      code: "THUMBPRINT_OF_LEAF",
      message: `${opts.host} sends only its own certificate, so the thumbprint is that of the leaf, which changes at every renewal; IAM validates against its trusted CAs first, but a thumbprint fallback will break`,
    });
  }
  if (chain.source === "reconstructed") {
    warnings.push({
      code: "CHAIN_RECONSTRUCTED",
      message: `${opts.host} speaks only TLS 1.3, so the chain was rebuilt from the trusted issuers rather than read from the handshake; confirm the thumbprint with the openssl commands`,
    });
  }
  return { facts, warnings };
}
