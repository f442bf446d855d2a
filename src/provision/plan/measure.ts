/**
 * Template sizes as deploy sends them, cheaply: a unit's size is its base (description,
 * provider, outputs header) plus what each role adds, measured once per role. Planning 1,000
 * roles then costs 1,000 small renders, not one full render per placement tried.
 */
import type { BbOidcConfig, RoleConfig } from "../config/types.js";
import type { CfnTemplate } from "../reader/types.js";
import { type BuildOptions, buildTemplate } from "../template/build-template.js";
import { renderTemplate, type TemplateFormat } from "../template/render-template.js";
import type { TemplateMeasure } from "./limits.js";

export function measureTemplate(template: CfnTemplate, body: string): TemplateMeasure {
  return {
    bytes: Buffer.byteLength(body, "utf8"),
    resources: Object.keys(template.Resources).length,
    outputs: Object.keys(template.Outputs ?? {}).length,
  };
}

export class RoleSizer {
  private readonly perRole = new Map<string, number>();
  private readonly bases = new Map<string, number>();

  constructor(
    private readonly config: BbOidcConfig,
    private readonly format: TemplateFormat,
    private readonly build: Omit<BuildOptions, "unit">,
    private readonly accountConditions: boolean,
  ) {}

  private bytes(roles: string[], provider: boolean): number {
    const template = buildTemplate(this.config, {
      ...this.build,
      unit: { roles, provider, accountConditions: this.accountConditions },
    });
    return Buffer.byteLength(renderTemplate(template, this.format), "utf8");
  }

  /** A template with no role (with the provider or without): what every unit starts from. */
  base(provider: boolean): number {
    const key = String(provider);
    let b = this.bases.get(key);
    if (b === undefined) {
      b = this.bytes([], provider);
      this.bases.set(key, b);
    }
    return b;
  }

  /**
   * What one role adds: its resource, its output, its account condition (a condition shared by
   * roles with the same accounts is counted for each: the estimate errs on the large side).
   */
  role(role: RoleConfig): number {
    let n = this.perRole.get(role.name);
    if (n === undefined) {
      n = this.bytes([role.name], false) - this.base(false);
      this.perRole.set(role.name, n);
    }
    return n;
  }
}
