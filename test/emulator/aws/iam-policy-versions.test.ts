import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPolicyVersionsCommand,
  SetDefaultPolicyVersionCommand,
} from "@aws-sdk/client-iam";
import { expect, test } from "vitest";
import { allowPolicy as doc, failure, iamSuite } from "./helpers.js";

const suite = iamSuite();

test("versions: created, made default, listed newest first, five at most, default kept", async () => {
  const arn = (
    await suite.client.send(
      new CreatePolicyCommand({ PolicyName: "deploy", PolicyDocument: doc("s3:GetObject") }),
    )
  ).Policy!.Arn!;

  const v2 = await suite.client.send(
    new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc("s3:PutObject") }),
  );
  expect(v2.PolicyVersion).toMatchObject({ VersionId: "v2", IsDefaultVersion: false });
  expect(v2.PolicyVersion?.Document).toBeUndefined();
  expect(
    (await suite.client.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId,
  ).toBe("v1");

  const v3 = await suite.client.send(
    new CreatePolicyVersionCommand({
      PolicyArn: arn,
      PolicyDocument: doc("s3:DeleteObject"),
      SetAsDefault: true,
    }),
  );
  expect(v3.PolicyVersion).toMatchObject({ VersionId: "v3", IsDefaultVersion: true });
  expect(
    (await suite.client.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId,
  ).toBe("v3");
  const got = await suite.client.send(
    new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: "v3" }),
  );
  expect(decodeURIComponent(got.PolicyVersion!.Document!)).toBe(doc("s3:DeleteObject"));
  expect(got.PolicyVersion?.CreateDate).toBeInstanceOf(Date);

  await suite.client.send(
    new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc("s3:A") }),
  );
  await suite.client.send(
    new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc("s3:B") }),
  );
  const sixth = await failure(
    suite.client.send(
      new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc("s3:C") }),
    ),
  );
  expect(sixth).toEqual({
    name: "LimitExceededException",
    status: 409,
    message:
      "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
  });

  const listed = await suite.client.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
  expect(listed.Versions?.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
    ["v5", false],
    ["v4", false],
    ["v3", true],
    ["v2", false],
    ["v1", false],
  ]);
  expect(listed.Versions?.[0]?.Document).toBeUndefined();

  const defaultOne = await failure(
    suite.client.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: "v3" })),
  );
  expect(defaultOne).toEqual({
    name: "DeleteConflictException",
    status: 409,
    message: "Cannot delete the default version of a policy.",
  });
  await suite.client.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: "v5" }));
  // Numbers are never reused.
  const v6 = await suite.client.send(
    new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc("s3:D") }),
  );
  expect(v6.PolicyVersion?.VersionId).toBe("v6");

  await suite.client.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: "v1" }));
  expect(
    (await suite.client.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId,
  ).toBe("v1");

  const missing = await failure(
    suite.client.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: "v9" })),
  );
  expect(missing).toEqual({
    name: "NoSuchEntityException",
    status: 404,
    message: `Policy ${arn} version v9 does not exist or is not attachable.`,
  });
  const malformed = await failure(
    suite.client.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: "version-1" })),
  );
  expect(malformed.message).toBe(
    "1 validation error detected: Value 'version-1' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?",
  );
  const badDoc = await failure(
    suite.client.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: "{" })),
  );
  expect(badDoc).toMatchObject({ name: "MalformedPolicyDocumentException", status: 400 });

  const withVersions = await failure(
    suite.client.send(new DeletePolicyCommand({ PolicyArn: arn })),
  );
  expect(withVersions).toEqual({
    name: "DeleteConflictException",
    status: 409,
    message:
      "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
  });
  for (const v of ["v2", "v3", "v4", "v6"]) {
    await suite.client.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v }));
  }
  await suite.client.send(new DeletePolicyCommand({ PolicyArn: arn }));
  expect((await failure(suite.client.send(new GetPolicyCommand({ PolicyArn: arn })))).name).toBe(
    "NoSuchEntityException",
  );
});

test("AWS managed policies have a readable default version and no others to change", async () => {
  const admin = "arn:aws:iam::aws:policy/AdministratorAccess";
  const v = await suite.client.send(
    new GetPolicyVersionCommand({ PolicyArn: admin, VersionId: "v1" }),
  );
  expect(JSON.parse(decodeURIComponent(v.PolicyVersion!.Document!))).toEqual({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["*"], Resource: "*" }],
  });
  const listed = await suite.client.send(new ListPolicyVersionsCommand({ PolicyArn: admin }));
  expect(listed.Versions).toHaveLength(1);
  const create = await failure(
    suite.client.send(
      new CreatePolicyVersionCommand({ PolicyArn: admin, PolicyDocument: doc("s3:A") }),
    ),
  );
  expect(create).toMatchObject({ name: "NoSuchEntityException", status: 404 });
});
