import type { AttemptRecordRow } from "./attempt-record-row.ts";
import type { RequestRecord } from "./request-record.ts";
import type { ShadowRecord } from "./shadow-record.ts";

/** A request's row and its history's rows, written together. */
export interface LoggedRequest {
  /** The request's row. */
  readonly record: RequestRecord;
  /** One row per call and skip, in order (`seq` 0, 1, …). */
  readonly attempts: readonly AttemptRecordRow[];
}

/** Requests that were never written: the log's own gap, so that a report can say it undercounts. */
export interface DroppedRequests {
  /** The recording's chain name. */
  readonly chain: string;
  /** How many requests were dropped (buffer full, a failed write, in flight when recording stopped). */
  readonly count: number;
  /** Epoch ms when the drops were reported. */
  readonly at: number;
}

/** What a {@link RequestLogSink} writes at once. */
export interface RequestLogBatch {
  /** The requests, oldest end first. */
  readonly requests: readonly LoggedRequest[];
  /** Requests dropped since the last batch that was written, when there were any. */
  readonly dropped?: DroppedRequests;
  /** Shadow calls of sampled requests (chains with `shadow` sampling), stored apart from the requests. */
  readonly shadows?: readonly ShadowRecord[];
}
