import type { DiscoveryReport, KeyFacts } from "./types.js";

const SOURCE: Record<DiscoveryReport["workspace"]["uuidSource"], string> = {
  flag: "as given",
  token: "from the token's workspaceUuid claim; the token's signature verifies with the keys below",
  "workspace-endpoint": "from the workspace endpoint",
};

function keyLine(k: KeyFacts): string[] {
  const size = k.bits !== undefined ? `${k.bits} bits` : (k.curve ?? "-");
  return [k.kid ?? "(no kid)", k.kty, k.alg ?? "-", k.use ?? "-", size];
}

function table(rows: string[][], indent = "  "): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    `${indent}${r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ")}`.trimEnd(),
  );
}

/** The report for a person: one section per question the seed answered by hand. Pure: returns text. */
export function renderDiscoveryText(report: DiscoveryReport): string {
  const out: string[] = [];
  const section = (title: string) => out.push("", title);

  out.push(`bb-oidc discover: workspace ${report.workspace.slug} (${report.generatedAt})`);

  section("Issuer");
  out.push(`  ${report.issuer}`);
  out.push(`  discovery  ${report.discovery.url}  (declares this issuer exactly)`);
  out.push(`  jwks_uri   ${report.discovery.jwksUri}`);
  if (report.discovery.signingAlgorithms) {
    out.push(`  algorithms ${report.discovery.signingAlgorithms.join(", ")}`);
  }
  if (report.via !== undefined) {
    out.push(
      `  fetched from ${report.via} (--api-base) with SNI, certificate name and Host of the URLs above`,
    );
  }

  section("Workspace");
  out.push(`  slug  ${report.workspace.slug}`);
  out.push(`  uuid  ${report.workspace.uuid}  (${SOURCE[report.workspace.uuidSource]})`);
  if (report.workspace.name !== undefined) out.push(`  name  ${report.workspace.name}`);

  section("Audience");
  out.push(`  ${report.defaultAudience}`);
  out.push("  the workspace's default audience: tokens carry it unless the pipeline sets");
  out.push("  options.oidc.audiences; the IAM provider's ClientIdList must contain it");

  section(`Signing keys (${report.keys.url})`);
  if (report.keys.keys.length === 0) out.push("  none");
  else out.push(...table([["kid", "kty", "alg", "use", "size"], ...report.keys.keys.map(keyLine)]));

  for (const t of report.tls) {
    section(`TLS chain of ${t.host}:${t.port} (${t.serves.join(", ")})`);
    const how =
      t.chainSource === "handshake"
        ? "as served in the handshake"
        : "rebuilt from trusted issuers (TLS 1.3 only)";
    out.push(
      `  ${t.protocol ?? "TLS"}, ${t.certificates.length} certificate${t.certificates.length === 1 ? "" : "s"} ${how}${t.connectedTo ? `, connected to ${t.connectedTo}` : ""}`,
    );
    t.certificates.forEach((c, i) => {
      out.push(`  [${i}] subject  ${c.subject}`);
      out.push(`      issuer   ${c.issuer}`);
      out.push(
        `      valid    ${c.validFrom} → ${c.validTo} (${c.daysLeft < 0 ? "expired" : `${c.daysLeft} days left`})`,
      );
      out.push(`      sha1     ${c.sha1}`);
    });
    out.push(
      `  IAM thumbprint  ${t.thumbprint}  (SHA-1 of [${t.certificates.length - 1}], the last certificate served)`,
    );
    out.push("  Reproduce with OpenSSL:");
    out.push(...t.openssl.map((l) => `    ${l}`));
  }

  section("IAM OIDC provider");
  out.push(`  Url             ${report.provider.url}`);
  out.push(`  ClientIdList    ${report.provider.clientIds.join(", ")}`);
  out.push(`  ThumbprintList  ${report.provider.thumbprints.join(", ")}`);
  out.push(`  ARN             ${report.provider.arnPattern}`);

  const gap = report.ipRangesUnavailable;
  if (gap) {
    section(`Pipelines egress ranges (${gap.url})`);
    out.push(`  NOT AVAILABLE: ${gap.reason}`);
    out.push(
      "  Everything above stands; only the ranges are missing. Run discover again where the",
    );
    out.push("  feed is reachable, or give a saved copy with --ip-ranges-url.");
  }
  const ip = report.ipRanges;
  if (ip) {
    section(`Pipelines egress ranges (${ip.url})`);
    out.push(`  syncToken ${ip.syncToken || "-"}, created ${ip.creationDate || "-"}`);
    out.push(`  ${ip.egress.length} ranges (${ip.ipv4} IPv4, ${ip.ipv6} IPv6):`);
    out.push(...ip.egress.map((c) => `    ${c}`));
    out.push(`  ${ip.note}`);
    out.push("  In bitbucket-pipelines.yml:");
    out.push(...ip.stepYaml.split("\n").map((l) => `    ${l}`));
  }

  section("Warnings");
  if (report.warnings.length === 0) out.push("  none");
  for (const w of report.warnings) out.push(`  ! ${w.code}: ${w.message}`);
  out.push(
    "",
    "Next: run this again with --format config > bb-oidc.yaml for a configuration skeleton,",
    "then bb-oidc template --config bb-oidc.yaml.",
  );
  return `${out.join("\n")}\n`;
}
