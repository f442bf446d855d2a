/**
 * The AWS SDK clients the pipeline commands may need, bundled apart from them
 * (dist/chunks/pipeline-sdk.cjs, scripts/build.mjs): STS for signed hops (`--chain`,
 * `--from-env-credentials`, `--allowed-account-id`) and IAM for explaining a refusal. A step whose
 * exchange is one AssumeRoleWithWebIdentity (src/sts/query-client.ts) never reads or compiles it.
 * In dist/pipeline.cjs, `@aws-sdk/client-sts` and `@aws-sdk/client-iam` resolve to these
 * clients; the launcher loads the chunk on first use. Each client's modules run on first use:
 * a chained role needs no IAM, a diagnosis no STS.
 */
export const clients = {
  get sts(): unknown {
    return require("@aws-sdk/client-sts");
  },
  get iam(): unknown {
    return require("@aws-sdk/client-iam");
  },
};
