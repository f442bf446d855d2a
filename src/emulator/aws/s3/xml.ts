/**
 * S3's XML: documents start with an XML declaration, carry S3's namespace on the root (errors
 * carry none), and name list items by their own element (`<Contents>`), not `<member>`.
 */
import { escapeXml } from "../xml.js";
import type { S3Error } from "./errors.js";

export const S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export type S3Node = [name: string, content: string | number | boolean | S3Node[]];

function render(node: S3Node): string {
  const [name, content] = node;
  const inner = Array.isArray(content) ? content.map(render).join("") : escapeXml(String(content));
  return `<${name}>${inner}</${name}>`;
}

export function s3Document(root: string, children: S3Node[]): string {
  return `${DECLARATION}<${root} xmlns="${S3_XMLNS}">${children.map(render).join("")}</${root}>`;
}

export function s3ErrorDocument(err: S3Error, requestId: string, hostId: string): string {
  const extra: S3Node[] = Object.entries(err.extra).map(([k, v]) => [k, v]);
  const body = [
    ["Code", err.code],
    ["Message", err.message],
    ...extra,
    ["RequestId", requestId],
    ["HostId", hostId],
  ] as S3Node[];
  return `${DECLARATION}<Error>${body.map(render).join("")}</Error>`;
}

/** `2024-01-02T03:04:05.000Z`: S3 lists times with milliseconds. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
