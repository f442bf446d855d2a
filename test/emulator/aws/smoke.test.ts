import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, expect, test } from "vitest";
import { failure, iam, startEndpoint, sts, TRUST_ROOT } from "./helpers.js";

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
  // The account root may not assume roles, even one whose trust policy names the account.
  const refused = await failure(
    sts(ep.url, admin).send(
      new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "s1" }),
    ),
  );
  expect(refused).toMatchObject({
    name: "AccessDenied",
    status: 403,
    message: "Roles may not be assumed by root accounts.",
  });
  expect(ep.errors).toEqual([]);
});
