/** CloudFormation logical IDs (alphanumeric) derived from role names, unique within a template. */

export const PROVIDER_LOGICAL_ID = "BitbucketOidcProvider";

/** `deploy-web-prod` → `RoleDeployWebProd`; a clash gets a numeric suffix, in config order. */
export function roleLogicalIds(names: readonly string[]): string[] {
  const used = new Set<string>([PROVIDER_LOGICAL_ID.toLowerCase(), "providerarn"]);
  return names.map((name) => {
    const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
    const base = `Role${words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("")}`.slice(0, 200);
    let id = base;
    // Logical IDs are case-sensitive, but outputs named after them must not clash either way.
    for (let n = 2; used.has(id.toLowerCase()) || used.has(`${id}arn`.toLowerCase()); n++)
      id = `${base}${n}`;
    used.add(id.toLowerCase());
    used.add(`${id}arn`.toLowerCase());
    return id;
  });
}
