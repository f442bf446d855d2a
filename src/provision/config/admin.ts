/**
 * What counts as full administrator access, so it can be refused unless a role opts in: the AWS
 * managed AdministratorAccess policy in any partition, or an inline statement that allows every
 * action on every resource (the same grant written by hand).
 */

const ADMIN_ARN = /^arn:aws(-[a-z]+)*:iam::aws:policy\/AdministratorAccess$/;

export function isAdministratorAccessArn(arn: string): boolean {
  return ADMIN_ARN.test(arn);
}

function values(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

/** True when some statement is `Allow` of `*` (or `*:*`) on `*` with no condition. */
export function grantsEverything(doc: unknown): boolean {
  if (!doc || typeof doc !== "object") return false;
  const statements = values((doc as Record<string, unknown>).Statement);
  return statements.some((s) => {
    if (!s || typeof s !== "object") return false;
    const st = s as Record<string, unknown>;
    return (
      st.Effect === "Allow" &&
      st.Condition === undefined &&
      values(st.Action).some((a) => a === "*" || a === "*:*") &&
      values(st.Resource).includes("*")
    );
  });
}
