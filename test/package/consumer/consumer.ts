// A library user's code, type-checked against the declarations the package ships.
import { decideWebIdentity, StaticJwks, staticWorld, type WebIdentityDecision } from "bb-oidc";
import { type RunningEmulator, startEmulator } from "bb-oidc/emulator";

export async function useBoth(): Promise<[WebIdentityDecision, RunningEmulator]> {
  const emulator = await startEmulator({ awsPort: 0, bitbucketPort: 0 });
  const decision = await decideWebIdentity(
    {
      roleArn: "arn:aws:iam::111111111111:role/deploy",
      roleSessionName: "s1",
      webIdentityToken: "x",
      now: 0,
    },
    staticWorld({ providers: [], roles: [], keys: new StaticJwks({ keys: [] }) }),
  );
  return [decision, emulator];
}
