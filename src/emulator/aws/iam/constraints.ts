import { IAM_NAME_CHARS, iamNamePattern } from "../../../shared/iam-names.js";
import { arnPattern, type ParamSpec } from "../../../sts/validate-params.js";

/**
 * IAM's model constraints (botocore's iam service model, see docs/aws-behaviour.md "IAM API"),
 * each written once: `re` is what is checked, `text` the pattern as AWS prints it.
 */
export const IAM_PATTERNS = {
  name: { re: iamNamePattern(1), text: `${IAM_NAME_CHARS}+` },
  /** pathType: roles (and ListEntitiesForPolicy's PathPrefix). */
  path: {
    re: /^(?:\/|\/[\u0021-\u007e]+\/)$/,
    text: "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
  },
  /** policyPathType: managed policies (and ListPolicies' PathPrefix). */
  policyPath: { re: /^(?:\/[A-Za-z0-9.,+@=_-]+)*\/$/, text: "((/[A-Za-z0-9\\.,\\+@=_-]+)*)/" },
  /** pathPrefixType: ListRoles' PathPrefix. */
  pathPrefix: { re: /^\/[\u0021-\u007f]*$/, text: "\\u002F[\\u0021-\\u007F]*" },
  policyDocument: {
    re: /^[\u0009\u000A\u000D\u0020-\u00FF]+$/,
    text: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
  },
  roleDescription: {
    re: /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/,
    text: "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
  },
  versionId: { re: /^v[1-9][0-9]*(?:\.[A-Za-z0-9-]*)?$/, text: "v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?" },
  marker: { re: /^[\u0020-\u00FF]+$/, text: "[\\u0020-\\u00FF]+" },
  arn: arnPattern,
} as const;

export const roleNameSpec = (value: string | undefined, name = "roleName"): ParamSpec => ({
  name,
  value,
  required: true,
  minLength: 1,
  maxLength: 64,
  pattern: IAM_PATTERNS.name,
});

/** CreateUser's name (userNameType); `existing` names (existingUserNameType) may be 128 long. */
export const userNameSpec = (
  value: string | undefined,
  opts: { existing?: boolean } = {},
): ParamSpec => ({
  name: "userName",
  value,
  required: true,
  minLength: 1,
  maxLength: opts.existing ? 128 : 64,
  pattern: IAM_PATTERNS.name,
});

export const accessKeyIdSpec = (value: string | undefined): ParamSpec => ({
  name: "accessKeyId",
  value,
  required: true,
  minLength: 16,
  maxLength: 128,
  pattern: { re: /^\w+$/, text: "[\\w]+" },
});

/** A path (pathType), as roles and users take it. */
export const pathSpec = (value: string | undefined): ParamSpec => ({
  name: "path",
  value,
  minLength: 1,
  maxLength: 512,
  pattern: IAM_PATTERNS.path,
});

/** A PathPrefix (pathPrefixType), as ListRoles and ListUsers take it. */
export const pathPrefixSpec = (value: string | undefined): ParamSpec => ({
  name: "pathPrefix",
  value,
  minLength: 1,
  maxLength: 512,
  pattern: IAM_PATTERNS.pathPrefix,
});

export const policyNameSpec = (value: string | undefined, name = "policyName"): ParamSpec => ({
  name,
  value,
  required: true,
  minLength: 1,
  maxLength: 128,
  pattern: IAM_PATTERNS.name,
});

export const policyDocumentSpec = (
  value: string | undefined,
  name = "policyDocument",
): ParamSpec => ({
  name,
  value,
  required: true,
  minLength: 1,
  maxLength: 131072,
  pattern: IAM_PATTERNS.policyDocument,
});

export const arnSpec = (value: string | undefined, name: string, required = true): ParamSpec => ({
  name,
  value,
  required,
  minLength: 20,
  maxLength: 2048,
  pattern: IAM_PATTERNS.arn,
});

export const versionIdSpec = (value: string | undefined): ParamSpec => ({
  name: "versionId",
  value,
  required: true,
  pattern: IAM_PATTERNS.versionId,
});

export const roleDescriptionSpec = (value: string | undefined): ParamSpec => ({
  name: "description",
  value,
  maxLength: 1000,
  pattern: IAM_PATTERNS.roleDescription,
});

export const maxSessionDurationSpec = (value: number | undefined): ParamSpec => ({
  name: "maxSessionDuration",
  value,
  min: 3600,
  max: 43200,
});

/** Marker and MaxItems, as every IAM list action constrains them. */
export const pagingSpecs = (paging: { marker?: string; maxItems?: number }): ParamSpec[] => [
  {
    name: "marker",
    value: paging.marker,
    minLength: 1,
    maxLength: 320,
    pattern: IAM_PATTERNS.marker,
  },
  { name: "maxItems", value: paging.maxItems, min: 1, max: 1000 },
];

/** AWS's wording for a value outside an enum, or nothing when it is inside (or absent). */
export function enumViolations(
  member: string,
  value: string | undefined,
  allowed: readonly string[],
): string[] {
  if (value === undefined || allowed.includes(value)) return [];
  return [
    `Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(", ")}]`,
  ];
}
