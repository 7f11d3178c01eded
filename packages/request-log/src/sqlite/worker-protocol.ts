import type { RequestLogBatch } from "../records/request-log-batch.ts";
import type { RetentionOptions } from "./retention.ts";

/** What the sink's worker is started with. */
export interface WorkerSettings {
  readonly path: string;
  readonly busyTimeoutMs: number;
  readonly retention: RetentionOptions | undefined;
}

/** A message from the sink to its worker. */
export type WorkerCommand =
  | { readonly type: "write"; readonly id: number; readonly batch: RequestLogBatch }
  | { readonly type: "retain"; readonly id: number }
  | { readonly type: "close"; readonly id: number };

/** The worker's answer to a command: done (with a count for `retain`), or the error, as text (errors lose their class across threads). */
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly deleted?: number }
  | { readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string } };
