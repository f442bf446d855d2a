import { STS_XMLNS } from "../../../sts/sts-errors.js";
import type { AwsBackend } from "../backend.js";
import type { AwsService } from "../service.js";
import { el } from "../xml.js";
import { assumeRole } from "./assume-role.js";
import { assumeRoleWithWebIdentity } from "./web-identity.js";

export const stsService: AwsService<AwsBackend> = {
  signingName: "sts",
  namespace: STS_XMLNS,
  version: "2011-06-15",
  actions: {
    AssumeRoleWithWebIdentity: { handler: assumeRoleWithWebIdentity, unsigned: true },
    AssumeRole: { handler: assumeRole },
    GetCallerIdentity: {
      handler: async (ctx) => {
        const c = ctx.caller!;
        return [el("Arn", c.arn), el("UserId", c.userId), el("Account", c.account)];
      },
    },
  },
};
