import type { AccountRecord } from "./accounts.js";
import type { UserStored } from "./iam/records.js";
import type { SessionClaims } from "./sessions.js";

/** Who signed a request: an account's root key, an IAM user's access key, or a role session. */
export type Caller =
  | {
      kind: "root";
      account: string;
      accessKeyId: string;
      /** `arn:aws:iam::<acct>:root` */
      arn: string;
      /** For the root user AWS reports the account ID as UserId. */
      userId: string;
    }
  | {
      kind: "user";
      account: string;
      accessKeyId: string;
      /** `arn:aws:iam::<acct>:user/<path><name>` */
      arn: string;
      /** `AIDA…` */
      userId: string;
      userName: string;
    }
  | {
      kind: "session";
      account: string;
      accessKeyId: string;
      /** `arn:aws:sts::<acct>:assumed-role/<role>/<session>` */
      arn: string;
      /** `AROA…:<session>` */
      userId: string;
      session: SessionClaims;
    };

export function rootCaller(account: AccountRecord): Caller {
  return {
    kind: "root",
    account: account.id,
    accessKeyId: account.accessKeyId,
    arn: `arn:aws:iam::${account.id}:root`,
    userId: account.id,
  };
}

export function userCaller(accessKeyId: string, user: Readonly<UserStored>): Caller {
  return {
    kind: "user",
    account: user.account,
    accessKeyId,
    arn: user.arn,
    userId: user.userId,
    userName: user.name,
  };
}

export function sessionCaller(accessKeyId: string, session: SessionClaims): Caller {
  return {
    kind: "session",
    account: session.account,
    accessKeyId,
    arn: assumedRoleArn(session.account, session.roleName, session.sessionName),
    userId: `${session.roleId}:${session.sessionName}`,
    session,
  };
}

export function assumedRoleArn(account: string, roleName: string, sessionName: string): string {
  return `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
}
