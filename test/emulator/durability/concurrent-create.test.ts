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

/**
 * Holds each request back after it is built and signed until all `n` have arrived, then lets
 * them go together: the creates reach the emulator in one burst (within one group commit),
 * rather than overlapping only if the client happens to be fast enough.
 */
function barrier(n: number) {
  let waiting = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    async arrive(): Promise<void> {
      waiting += 1;
      if (waiting === n) open();
      await opened;
    },
  };
}

/** After signing, just before the request is sent. */
const HOLD = { step: "finalizeRequest", name: "concurrentCreateBarrier", priority: "low" } as const;

let emu: EmulatorProcess;
let iam: IAMClient;
let roles: PromiseSettledResult<CreateRoleCommandOutput>[];
let providers: PromiseSettledResult<CreateOpenIDConnectProviderCommandOutput>[];

beforeAll(async () => {
  const cli = await prepareCli();
  emu = await startEmulator(cli, await tempDir("bb-oidc-concurrent-"));
  iam = iamFor(emu);
  const roleGate = barrier(N);
  roles = await Promise.allSettled(
    Array.from({ length: N }, (_, i) => {
      const command = new CreateRoleCommand({
        RoleName: "contended",
        AssumeRolePolicyDocument: trustPolicy("111111111111", i),
        Description: `attempt ${i}`,
      });
      command.middlewareStack.add(
        (next) => async (args) => {
          await roleGate.arrive();
          return next(args);
        },
        HOLD,
      );
      return iam.send(command);
    }),
  );
  const providerGate = barrier(N);
  providers = await Promise.allSettled(
    Array.from({ length: N }, (_, i) => {
      const command = new CreateOpenIDConnectProviderCommand({
        Url: "https://contended.durability.test",
        ClientIDList: [`aud-${i}`],
        ThumbprintList: [thumbprintFor(i)],
      });
      command.middlewareStack.add(
        (next) => async (args) => {
          await providerGate.arrive();
          return next(args);
        },
        HOLD,
      );
      return iam.send(command);
    }),
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

  // DurableStore shows a put to readers only after its fsync, so IamState serialises each
  // account's mutations: the existence check of a create sees every earlier acknowledged write.
  it("acknowledge exactly one CreateRole; the rest get EntityAlreadyExists", () => {
    expect(roles.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of roles) {
      if (r.status === "rejected") {
        expect((r.reason as Error).name).toBe("EntityAlreadyExistsException");
        expect(
          (r.reason as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
        ).toBe(409);
      }
    }
  });

  it("acknowledge exactly one CreateOpenIDConnectProvider for a URL", () => {
    expect(providers.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of providers) {
      if (r.status === "rejected") {
        expect((r.reason as Error).name).toBe("EntityAlreadyExistsException");
      }
    }
  });
});
