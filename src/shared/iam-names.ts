/**
 * IAM's names: role, policy and session names, source identities, are letters, digits, `_` and
 * `+=,.@-` (the `[\w+=,.@-]` pattern of the IAM and STS API references; docs/aws-behaviour.md
 * "Limits"). One definition for every check and every name bb-oidc makes up.
 */
export const IAM_NAME_CHARS = "[\\w+=,.@-]";

/** The characters in words, for messages. */
export const IAM_NAME_CHARS_TEXT = "letters, digits and +=,.@_-";

/** `^[\w+=,.@-]{min,max}$` (`max` omitted: no upper bound). */
export function iamNamePattern(min: number, max?: number): RegExp {
  return new RegExp(`^${IAM_NAME_CHARS}{${min},${max ?? ""}}$`);
}

const NOT_NAME_CHARS = /[^\w+=,.@-]+/g;

/** `label` with every run of characters IAM refuses in a name replaced by one `-`. */
export function toIamNameChars(label: string): string {
  return label.replace(NOT_NAME_CHARS, "-");
}

/** The parts of a role ARN. */
export interface RoleArnParts {
  partition: string;
  account: string;
  /** `/` or `/a/b/`. */
  path: string;
  name: string;
}

const ROLE_ARN = new RegExp(
  `^arn:(aws[\\w-]*):iam::(\\d{12}):role(\\/(?:[\\x21-\\x7e]*\\/)?)?(${IAM_NAME_CHARS}{1,64})$`,
);

const ROOT_ARN = /^arn:(aws[\w-]*):iam::(\d{12}):root$/;

const providerArn = (account: string) =>
  new RegExp(`^arn:(aws[\\w-]*):iam::(${account}):oidc-provider\\/(.+)$`);

/** An OIDC provider ARN as IAM writes it: `arn:<partition>:iam::<12 digits>:oidc-provider/<url>`. */
export const PROVIDER_ARN = providerArn("\\d{12}");
/** The same with any account text: policies read from files may hold `${AWS::AccountId}`. */
const PROVIDER_ARN_ANY_ACCOUNT = providerArn("[^:]*");

/**
 * `arn:<partition>:iam::<account>:oidc-provider/<url>` → its parts; undefined for anything else.
 * The account is not checked (callers that need 12 digits test it).
 */
export function parseProviderArn(
  arn: string,
): { partition: string; account: string; url: string } | undefined {
  const m = PROVIDER_ARN_ANY_ACCOUNT.exec(arn);
  return m ? { partition: m[1]!, account: m[2]!, url: m[3]! } : undefined;
}

/** `arn:<partition>:iam::<12 digits>:root` (an account's root user); null otherwise. */
export function parseRootArn(arn: string): { partition: string; account: string } | null {
  const m = ROOT_ARN.exec(arn);
  return m ? { partition: m[1]!, account: m[2]! } : null;
}

const parsedRoleArns = new Map<string, Readonly<RoleArnParts> | null>();

/**
 * `arn:<partition>:iam::<12 digits>:role/<path/>name`; null when it is not a role ARN. Answers
 * are kept (bounded): a server is asked about the same few roles on every request.
 */
export function parseRoleArn(arn: string): Readonly<RoleArnParts> | null {
  const known = parsedRoleArns.get(arn);
  if (known !== undefined) return known;
  const m = typeof arn === "string" ? ROLE_ARN.exec(arn) : null;
  const parts = m
    ? Object.freeze({ partition: m[1]!, account: m[2]!, path: m[3] ?? "/", name: m[4]! })
    : null;
  if (typeof arn === "string" && arn.length <= 2048) {
    if (parsedRoleArns.size >= 1024) parsedRoleArns.clear();
    parsedRoleArns.set(arn, parts);
  }
  return parts;
}
