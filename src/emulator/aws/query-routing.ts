import type { AwsBackend } from "./backend.js";
import { AwsError } from "./errors.js";
import type { AwsService } from "./service.js";
import { checkScopedService, type SigV4Authorization } from "./sigv4.js";

type Service = AwsService<AwsBackend>;

/** The Query protocol is GET (parameters in the query string) or POST (in the form body). */
export function checkQueryMethod(method: string | undefined): void {
  if (method === "GET" || method === "POST") return;
  throw new AwsError(
    "MethodNotAllowed",
    405,
    `The HTTP method ${method ?? ""} is not allowed: STS, IAM and CloudFormation take their actions by GET or POST.`,
  );
}

/**
 * The service a signed Query request calls, its credential scope checked. Every service here
 * shares one endpoint, so the service called is the one the action belongs to, and the scope
 * must name it, as it must name the service of the host called at AWS. An action no service has
 * goes to the scope's service, to be refused there as InvalidAction. An action AWS serves
 * unsigned (AssumeRoleWithWebIdentity) ignores whatever signature it carries.
 */
export function routeSigned(
  auth: SigV4Authorization,
  action: string | undefined,
  services: ReadonlyArray<Service>,
): Service {
  const owner =
    action === undefined ? undefined : services.find((s) => Object.hasOwn(s.actions, action));
  const called = owner ?? services.find((s) => s.signingName === auth.service);
  if (!called) {
    throw new AwsError(
      "InvalidAction",
      400,
      `This endpoint serves ${services.map((s) => s.signingName).join(", ")}; the credential scope names '${auth.service}'.`,
    );
  }
  if (!(owner && action !== undefined && owner.actions[action]?.unsigned)) {
    checkScopedService(auth, called.signingName);
  }
  return called;
}
