import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, expect, test } from "vitest";
import { iam, startEndpoint, sts, TRUST_ROOT } from "./helpers.js";

let ep: Awaited<ReturnType<typeof startEndpoint>>;
beforeAll(async () => {
  ep = await startEndpoint();
});
afterAll(async () => {
  await ep.close();
});

test("smoke", async () => {
  const admin = ep.accounts[0]!;
  const id = await sts(ep.url, admin).send(new GetCallerIdentityCommand({}));
  expect(id.Arn).toBe("arn:aws:iam::111111111111:root");
  const role = await iam(ep.url, admin).send(
    new CreateRoleCommand({
      RoleName: "deploy",
      AssumeRolePolicyDocument: TRUST_ROOT("111111111111"),
    }),
  );
  expect(role.Role?.Arn).toBe("arn:aws:iam::111111111111:role/deploy");
  const assumed = await sts(ep.url, admin).send(
    new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "s1" }),
  );
  const c = assumed.Credentials!;
  const me = await sts(ep.url, {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
  }).send(new GetCallerIdentityCommand({}));
  expect(me.Arn).toBe("arn:aws:sts::111111111111:assumed-role/deploy/s1");
  expect(ep.errors).toEqual([]);
});
