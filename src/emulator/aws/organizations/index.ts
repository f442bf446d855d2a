/**
 * AWS Organizations on the emulator's AWS port, over its real protocol: AWS JSON 1.1, the
 * operation named by `X-Amz-Target: AWSOrganizationsV20161128.<Operation>`, signed with SigV4
 * for the `organizations` service. The Query-protocol server hands such requests here
 * (server.ts routes them by the target header) and this module answers them itself.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate } from "../authenticate.js";
import type { AwsBackend } from "../backend.js";
import { AwsError } from "../errors.js";
import { parseAuthorization } from "../sigv4.js";
import { type JsonInput, ORGANIZATIONS_ACTIONS } from "./actions.js";
import { frontDoor, JsonAwsError } from "./errors.js";
import { organizationTree } from "./state.js";

export { ORGANIZATION_ACCESS_ROLE, organizationTree, registerOrganization } from "./state.js";

const TARGET_PREFIX = "AWSOrganizationsV20161128.";
const SIGNING_NAME = "organizations";
const CONTENT_TYPE = "application/x-amz-json-1.1";

/** Whether a request is an Organizations call (by its target header). */
export function isOrganizationsRequest(req: IncomingMessage): boolean {
  const target = req.headers["x-amz-target"];
  return typeof target === "string" && target.startsWith(TARGET_PREFIX);
}

export interface OrganizationsRequest {
  url: URL;
  body: Buffer;
  backend: AwsBackend;
  requestId: string;
  /** The emulator's clock, epoch milliseconds. */
  nowMs: number;
  onInternalError?: (err: unknown) => void;
}

export async function serveOrganizations(
  req: IncomingMessage,
  res: ServerResponse,
  r: OrganizationsRequest,
): Promise<void> {
  try {
    const result = await answer(req, r);
    reply(res, 200, result, r);
  } catch (err) {
    const e = asJsonError(err, r.onInternalError);
    reply(res, e.httpStatus, { __type: e.code, Message: e.message, ...e.extra }, r, e.code);
  }
}

async function answer(req: IncomingMessage, r: OrganizationsRequest): Promise<unknown> {
  const operation = String(req.headers["x-amz-target"]).slice(TARGET_PREFIX.length);
  const action = Object.hasOwn(ORGANIZATIONS_ACTIONS, operation)
    ? ORGANIZATIONS_ACTIONS[operation]
    : undefined;
  if (!action)
    throw new JsonAwsError("UnknownOperationException", 400, `Unknown operation ${operation}`);

  const fault = r.backend.faults.take(SIGNING_NAME, operation);
  if (fault) {
    throw new JsonAwsError(
      fault.code,
      fault.status,
      fault.message ?? `Injected fault: ${fault.code}`,
    );
  }

  const header = req.headers.authorization;
  if (header === undefined)
    throw frontDoor("MissingAuthenticationToken", "Missing Authentication Token");
  const auth = parseAuthorization(header);
  if (auth.service !== SIGNING_NAME) {
    throw frontDoor(
      "SignatureDoesNotMatch",
      `Credential should be scoped to correct service: '${SIGNING_NAME}'. `,
    );
  }
  const caller = await authenticate(
    {
      method: req.method ?? "POST",
      path: safeDecode(r.url.pathname),
      rawQuery: r.url.search.slice(1),
      headers: req.headers,
      body: r.body,
    },
    auth,
    { accounts: r.backend.accounts, sessions: r.backend.sessions, now: () => r.nowMs },
  );

  let input: JsonInput = {};
  const text = r.body.toString("utf8").trim();
  if (text !== "") {
    try {
      const parsed = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error();
      input = parsed as JsonInput;
    } catch {
      throw new JsonAwsError(
        "SerializationException",
        400,
        "The request body is not a JSON object.",
      );
    }
  }
  return action(organizationTree(r.backend), caller, input);
}

function asJsonError(err: unknown, onInternalError?: (err: unknown) => void): JsonAwsError {
  if (err instanceof JsonAwsError) return err;
  if (err instanceof AwsError) return frontDoor(err.code, err.message);
  onInternalError?.(err);
  return new JsonAwsError(
    "ServiceException",
    500,
    "Organizations can't complete your request because of an internal service error. Try again later.",
  );
}

function reply(
  res: ServerResponse,
  status: number,
  value: unknown,
  r: OrganizationsRequest,
  errorType?: string,
): void {
  const body = Buffer.from(JSON.stringify(value), "utf8");
  const headers: Record<string, string | number> = {
    "x-amzn-RequestId": r.requestId,
    "Content-Type": CONTENT_TYPE,
    "Content-Length": body.length,
    Date: new Date(r.nowMs).toUTCString(),
  };
  if (errorType) headers["x-amzn-ErrorType"] = errorType;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, headers);
  res.end(body);
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
