import { isoSeconds } from "../../../shared/iso-time.js";
import type { IssuedCredentials } from "../sessions.js";
import { el, type XmlElement } from "../xml.js";

export { isoSeconds };

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
