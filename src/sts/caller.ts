import { IAM_NAME_CHARS, parseRoleArn, parseRootArn } from "../shared/iam-names.js";
import { assumedRoleArn } from "./assume-role.js";
import { syntheticRoleId } from "./static-world.js";
import type { AssumeRoleCaller } from "./types.js";

const USER = new RegExp(
  `^arn:(aws[\\w-]*):iam::(\\d{12}):user(/(?:[\\x21-\\x7e]*/)?)?(${IAM_NAME_CHARS}{1,64})$`,
);
const SESSION = new RegExp(
  `^arn:(aws[\\w-]*):sts::(\\d{12}):assumed-role/(${IAM_NAME_CHARS}{1,64})/(${IAM_NAME_CHARS}{2,64})$`,
);

/**
 * The AssumeRole caller an ARN names, for `explain --assume-role --caller-arn`: the account root
 * (`arn:aws:iam::<acct>:root`), an IAM user (`…:user/<name>`), a role session
 * (`arn:aws:sts::<acct>:assumed-role/<role>/<session>`), or a role (`…:role/<path/name>`, taken as
 * a session of that role named `sessionName`). An assumed-role ARN has no path, so its role is
 * taken at path `/`; give the role ARN instead when the role has a path. Null: none of these.
 */
export function callerFromArn(
  arn: string,
  sessionName = "bb-oidc-explain",
): AssumeRoleCaller | null {
  const root = parseRootArn(arn);
  if (root) return { type: "root", arn, account: root.account, userId: root.account };
  let m = USER.exec(arn);
  if (m) {
    return {
      type: "user",
      arn,
      account: m[2]!,
      userId: syntheticRoleId(arn).replace(/^AROA/, "AIDA"),
    };
  }
  m = SESSION.exec(arn);
  if (m) {
    const roleArn = `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`;
    return {
      type: "assumed-role",
      arn,
      account: m[2]!,
      userId: `${syntheticRoleId(roleArn)}:${m[4]}`,
      roleArn,
    };
  }
  const role = parseRoleArn(arn);
  if (role) {
    return {
      type: "assumed-role",
      arn: assumedRoleArn(role.partition, role.account, role.name, sessionName),
      account: role.account,
      userId: `${syntheticRoleId(arn)}:${sessionName}`,
      roleArn: arn,
    };
  }
  return null;
}
