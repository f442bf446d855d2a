import { InputError } from "../../errors.js";

/** "Fail the next `count` calls (of `action`, of `service`) with this error." */
export interface FaultSpec {
  action?: string;
  service?: string;
  status: number;
  code: string;
  message?: string;
  count: number;
}

/**
 * Injected failures for testing client retries (500 InternalFailure, 400 Throttling,
 * IDPCommunicationError…). Checked before authentication, as a front-door failure would be.
 */
export class Faults {
  private pending: FaultSpec[] = [];

  add(input: unknown): FaultSpec {
    const f = input as Partial<FaultSpec> | null;
    if (!f || typeof f !== "object") throw new InputError("a fault is a JSON object");
    if (!Number.isInteger(f.status) || f.status! < 400 || f.status! > 599) {
      throw new InputError("fault.status must be an HTTP error status (400–599)");
    }
    if (typeof f.code !== "string" || !/^[A-Za-z][\w.]{0,127}$/.test(f.code)) {
      throw new InputError("fault.code must be an error code such as Throttling");
    }
    const count = f.count ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 10_000) {
      throw new InputError("fault.count must be a whole number from 1 to 10000");
    }
    for (const k of ["action", "service", "message"] as const) {
      if (f[k] !== undefined && typeof f[k] !== "string") {
        throw new InputError(`fault.${k} must be a string`);
      }
    }
    const spec: FaultSpec = { status: f.status!, code: f.code, count };
    if (f.action !== undefined) spec.action = f.action;
    if (f.service !== undefined) spec.service = f.service;
    if (f.message !== undefined) spec.message = f.message;
    this.pending.push(spec);
    return spec;
  }

  /** Consumes one matching fault, if any. */
  take(service: string, action: string): FaultSpec | undefined {
    const i = this.pending.findIndex(
      (f) => (!f.action || f.action === action) && (!f.service || f.service === service),
    );
    if (i < 0) return undefined;
    const f = this.pending[i]!;
    f.count -= 1;
    if (f.count <= 0) this.pending.splice(i, 1);
    return f;
  }

  list(): FaultSpec[] {
    return this.pending.map((f) => ({ ...f }));
  }

  clear(): void {
    this.pending = [];
  }
}
