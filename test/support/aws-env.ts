/**
 * The environment a pipeline gives `bb-oidc` to reach AWS, pointed at an emulator: credentials,
 * region, endpoint, a private HOME (no ~/.aws of the machine), and no instance metadata lookups.
 */
export function emulatorAwsEnv(opts: {
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  endpoint: string;
  home: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  const { credentials: c } = opts;
  return {
    PATH: process.env.PATH ?? "",
    HOME: opts.home,
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    ...(c.sessionToken ? { AWS_SESSION_TOKEN: c.sessionToken } : {}),
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL: opts.endpoint,
    AWS_EC2_METADATA_DISABLED: "true",
    ...opts.extra,
  };
}
