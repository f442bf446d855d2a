/**
 * "Every acknowledged write is served" also means two acknowledged creates of one name cannot
 * both be true. IAM answers the second CreateRole / CreateOpenIDConnectProvider for a name with
 * EntityAlreadyExists; if the emulator acknowledges both, the first acknowledged record is
 * silently replaced.
 */
import {
  CreateOpenIDConnectProviderCommand,
  type CreateOpenIDConnectProviderCommandOutput,
  CreateRoleCommand,
  type CreateRoleCommandOutput,
  GetRoleCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanUp,
  type EmulatorProcess,
  iamFor,
  prepareCli,
  startEmulator,
  tempDir,
  thumbprintFor,
  trustPolicy,
} from "./helpers.js";

const N = 10;
let emu: EmulatorProcess;
let iam: IAMClient;
let roles: PromiseSettledResult<CreateRoleCommandOutput>[];
let providers: PromiseSettledResult<CreateOpenIDConnectProviderCommandOutput>[];

beforeAll(async () => {
  const cli = await prepareCli();
  emu = await startEmulator(cli, await tempDir("bb-oidc-concurrent-"));
  iam = iamFor(emu);
  roles = await Promise.allSettled(
    Array.from({ length: N }, (_, i) =>
      iam.send(
        new CreateRoleCommand({
          RoleName: "contended",
          AssumeRolePolicyDocument: trustPolicy("111111111111", i),
          Description: `attempt ${i}`,
        }),
      ),
    ),
  );
  providers = await Promise.allSettled(
    Array.from({ length: N }, (_, i) =>
      iam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: "https://contended.durability.test",
          ClientIDList: [`aud-${i}`],
          ThumbprintList: [thumbprintFor(i)],
        }),
      ),
    ),
  );
}, 120_000);

afterAll(async () => {
  iam?.destroy();
  await emu?.kill();
  await cleanUp();
});

describe("concurrent creates of one name", () => {
  it("serve one whole record that some acknowledged create wrote", async () => {
    const acked = roles.flatMap((r) => (r.status === "fulfilled" ? [r.value.Role!] : []));
    expect(acked.length).toBeGreaterThanOrEqual(1);
    for (const r of roles) {
      if (r.status === "rejected")
        expect((r.reason as Error).name).toBe("EntityAlreadyExistsException");
    }
    const served = (await iam.send(new GetRoleCommand({ RoleName: "contended" }))).Role!;
    const match = acked.find((a) => a.RoleId === served.RoleId);
    expect(match).toBeDefined();
    expect(served.Description).toBe(match!.Description);
    expect(served.AssumeRolePolicyDocument).toBe(match!.AssumeRolePolicyDocument);
  });

  // Known gap: IamState.createRole / createOpenIdConnectProvider (src/emulator/aws/iam/state.ts)
  // check for an existing record, then `await store.put(...)`; DurableStore
  // (src/emulator/store/file-store.ts) applies a put to what reads see only after its fsync, so
  // every create that arrives during one group commit passes the check and is acknowledged, and
  // all but the last are overwritten. Remove `.fails` once creates are exclusive.
  it.fails("acknowledge exactly one CreateRole; the rest get EntityAlreadyExists", () => {
    expect(roles.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it.fails("acknowledge exactly one CreateOpenIDConnectProvider for a URL", () => {
    expect(providers.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });
});
