/** The AWS CLI as a user runs it against the emulator: environment, files, JSON out. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ClientRun, clientEnv, runClient } from "../../support/real-clients.js";

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface CliSession {
  /** A private HOME and working directory for files the commands read. */
  home: string;
  /** Runs `aws <args>` in `home`; JSON output. */
  aws(args: string[], opts?: { creds?: Creds; region?: string }): Promise<ClientRun>;
  /** `aws <args>` that must succeed; its JSON output parsed (null for no output). */
  // biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON, read by the test that asked for it.
  ok(args: string[], opts?: { creds?: Creds; region?: string }): Promise<any>;
  /** Writes a file in `home` and returns its `file://` URL, as a user passes documents. */
  file(name: string, content: string): Promise<string>;
}

/** A CLI session signed with `creds` for `region`, pointed at `endpoint` by AWS_ENDPOINT_URL. */
export async function cliSession(
  endpoint: string,
  creds: Creds,
  region = "eu-west-1",
): Promise<CliSession> {
  const home = await mkdtemp(join(tmpdir(), "bb-oidc-awscli-"));
  const aws = (args: string[], opts: { creds?: Creds; region?: string } = {}) => {
    const c = opts.creds ?? creds;
    return runClient("aws", [...args, "--output", "json"], {
      cwd: home,
      env: clientEnv(home, {
        AWS_ENDPOINT_URL: endpoint,
        AWS_DEFAULT_REGION: opts.region ?? region,
        AWS_ACCESS_KEY_ID: c.accessKeyId,
        AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
        ...(c.sessionToken ? { AWS_SESSION_TOKEN: c.sessionToken } : {}),
      }),
    });
  };
  return {
    home,
    aws,
    async ok(args, opts) {
      const r = await aws(args, opts);
      if (r.status !== 0) {
        throw new Error(`aws ${args.join(" ")} exited ${r.status}: ${r.stderr.trim()}`);
      }
      return r.stdout.trim() === "" ? null : JSON.parse(r.stdout);
    },
    async file(name, content) {
      await writeFile(join(home, name), content);
      return `file://${join(home, name)}`;
    },
  };
}

/** The one line botocore prints for a refused call. */
export function cliError(code: string, operation: string, message: string): string {
  return `An error occurred (${code}) when calling the ${operation} operation: ${message}`;
}
