import type { Caller } from "./caller.js";
import type { QueryParams } from "./params.js";
import type { XmlChild } from "./xml.js";

/** Everything an action handler gets about one request. `B` is the shared backend. */
export interface ActionContext<B> {
  action: string;
  params: QueryParams;
  /** Absent only for actions marked `unsigned`. */
  caller: Caller | undefined;
  /** `aws:SourceIp`; absent only if the peer address is unknown. */
  sourceIp: string | undefined;
  requestId: string;
  /** The signing region, or `us-east-1` for unsigned calls. */
  region: string;
  /** Epoch milliseconds, from the emulator's clock. */
  now: number;
  backend: B;
}

/** The result members (null: an action with no output, which AWS answers without `…Result`). */
export type ActionHandler<B> = (ctx: ActionContext<B>) => Promise<XmlChild[] | null>;

export interface ActionSpec<B> {
  handler: ActionHandler<B>;
  /** Called without a signature (AssumeRoleWithWebIdentity); any signature is ignored. */
  unsigned?: boolean;
}

/**
 * One Query-protocol service. The server routes a signed request by its credential scope's
 * service (`signingName`), so adding a service (CloudFormation) is one more entry in
 * `services.ts`, nothing else.
 */
export interface AwsService<B> {
  signingName: string;
  /** XML namespace of responses and errors. */
  namespace: string;
  /** The API version clients send as `Version`. */
  version: string;
  actions: Record<string, ActionSpec<B>>;
}
