// Evaluations per second of one compiled trust policy: aud StringEquals, sub StringLike and a
// 15-CIDR IpAddress list, the shape a least-privilege Bitbucket role ends up with.
import { compilePolicy } from "../dist/index.mjs";
import { emit, rate } from "./lib.mjs";

const host = "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
const provider = `arn:aws:iam::111111111111:oidc-provider/${host}`;
const cidrs = Array.from({ length: 15 }, (_, i) =>
  i < 12 ? `198.51.100.${i * 16}/28` : `2001:db8:${i}::/48`,
);
const policy = compilePolicy(
  {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: provider },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${host}:aud`]: "ari:cloud:bitbucket::workspace/6f1c1e8e-3b7a-4f52-9d0e-1a2b3c4d5e6f",
          },
          StringLike: { [`${host}:sub`]: "{11111111-2222-4333-8444-555555555555}:*" },
          IpAddress: { "aws:SourceIp": cidrs },
        },
      },
    ],
  },
  { kind: "trust" },
);
// The matching address sits in the last IPv4 block, so every CIDR before it is tried.
const request = {
  principal: { type: "Federated", id: provider },
  action: "sts:AssumeRoleWithWebIdentity",
  context: {
    [`${host}:aud`]: "ari:cloud:bitbucket::workspace/6f1c1e8e-3b7a-4f52-9d0e-1a2b3c4d5e6f",
    [`${host}:sub`]:
      "{11111111-2222-4333-8444-555555555555}:{aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee}",
    "aws:SourceIp": "198.51.100.181",
  },
};
if (!policy.evaluate(request).allowed)
  throw new Error("benchmark setup: the request should be allowed");
const perSecond = rate(() => policy.evaluate(request), { batch: 5000, minMs: 1500 });
emit({
  name: "trust-policy-evaluations",
  evaluationsPerSecond: Math.round(perSecond),
  target: ">= 2000000 per second on one core",
  meetsTarget: perSecond >= 2_000_000,
});
