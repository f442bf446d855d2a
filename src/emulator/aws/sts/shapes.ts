import type { IssuedCredentials } from "../sessions.js";
import { el, type XmlElement } from "../xml.js";

/** `2024-01-01T12:00:00Z`: STS writes timestamps without fractional seconds. */
export function isoSeconds(epochSeconds: number): string {
  // `toISOString` always has the `.sssZ` tail for the years an emulator will see.
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 19)}Z`;
}

export function credentialsXml(c: IssuedCredentials): XmlElement {
  return el(
    "Credentials",
    el("AccessKeyId", c.accessKeyId),
    el("SecretAccessKey", c.secretAccessKey),
    el("SessionToken", c.sessionToken),
    el("Expiration", isoSeconds(c.expiration)),
  );
}

export function assumedRoleUserXml(assumedRoleId: string, arn: string): XmlElement {
  return el("AssumedRoleUser", el("AssumedRoleId", assumedRoleId), el("Arn", arn));
}
