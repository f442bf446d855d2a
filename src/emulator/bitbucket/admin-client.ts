import { request } from "node:https";
import { BbOidcError, FetchError, isErrorCode } from "../../errors.js";
import type { MintOptions } from "./mint.js";
import type { RotateKeysResult } from "./signing-keys.js";
import type { WorkspaceRecord } from "./workspaces.js";

export interface AdminClientOptions {
  /** PEM of the emulator's root (CaMaterial.rootPem or the contents of caFile). */
  ca: string | Buffer;
  /** TLS server name; default the endpoint's host. */
  servername?: string;
  timeoutMs?: number;
}

/**
 * POSTs JSON to an emulator admin endpoint over HTTPS, trusting only the emulator's root.
 * Error responses become a BbOidcError carrying the server's code and message, so the CLI can
 * show exactly what was wrong with the input.
 */
async function postJson(
  endpoint: string,
  path: string,
  body: unknown,
  options: AdminClientOptions,
): Promise<Record<string, unknown>> {
  const url = new URL(path, endpoint.endsWith("/") ? endpoint : `${endpoint}/`);
  const payload = JSON.stringify(body);
  return new Promise((resolvePromise, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        ca: options.ca,
        ...(options.servername === undefined ? {} : { servername: options.servername }),
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
        },
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: Record<string, unknown>;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            reject(
              new FetchError(
                "ERR_FETCH_BAD_JSON",
                `emulator answered ${res.statusCode} with non-JSON`,
                url.href,
                { actual: text.slice(0, 200) },
              ),
            );
            return;
          }
          if (res.statusCode !== 200) {
            const e = (json.error ?? {}) as Record<string, unknown>;
            const code = isErrorCode(e.code) ? e.code : "ERR_EMULATOR_HTTP";
            reject(
              new BbOidcError(code, String(e.message ?? `emulator answered ${res.statusCode}`), {
                ...("expected" in e ? { expected: e.expected } : {}),
                ...("actual" in e ? { actual: e.actual } : {}),
              }),
            );
            return;
          }
          resolvePromise(json);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (err) =>
      reject(
        new FetchError(
          "ERR_FETCH_NETWORK",
          `cannot reach the emulator at ${url.origin}: ${err.message}`,
          url.href,
          {
            cause: err,
            hint:
              (err as NodeJS.ErrnoException).code === "ECONNREFUSED"
                ? "Is `bb-oidc emulator` running? One started on other ports (--bitbucket-port 0 …) is reached with --endpoint <the bitbucketEndpoint its ready line printed>."
                : "Is `bb-oidc emulator` running, and is --ca-file its root certificate?",
          },
        ),
      ),
    );
    req.end(payload);
  });
}

/** Mints a token through a running emulator (`bb-oidc emulator mint`). `now` is the server's clock unless given. */
export async function mintViaAdmin(
  endpoint: string,
  options: MintOptions,
  client: AdminClientOptions,
): Promise<string> {
  const json = await postJson(endpoint, "_emulator/mint", options, client);
  if (typeof json.token !== "string") {
    throw new FetchError("ERR_FETCH_BAD_JSON", "emulator mint answer has no token", endpoint);
  }
  return json.token;
}

export async function rotateViaAdmin(
  endpoint: string,
  options: { workspace: string; graceSeconds?: number },
  client: AdminClientOptions,
): Promise<RotateKeysResult & { workspace: string }> {
  return (await postJson(
    endpoint,
    "_emulator/rotate-keys",
    options,
    client,
  )) as unknown as RotateKeysResult & { workspace: string };
}

export async function createWorkspaceViaAdmin(
  endpoint: string,
  options: { slug: string; name?: string },
  client: AdminClientOptions,
): Promise<WorkspaceRecord> {
  const json = await postJson(endpoint, "_emulator/workspaces", options, client);
  return { slug: String(json.slug), uuid: String(json.uuid), name: String(json.name) };
}
