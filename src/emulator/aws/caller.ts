import type { AccountRecord } from "./accounts.js";
import type { SessionClaims } from "./sessions.js";

/** Who signed a request: an account's root key, or an assumed-role session. */
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
