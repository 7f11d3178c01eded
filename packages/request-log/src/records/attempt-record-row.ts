import type { AttemptOutcome, FinishReason, ModelErrorKind, SkipReason, Usage } from "@understudy/core";

/** One row per entry of a request's history: a call to a model, or a model passed over. */
export interface AttemptRecordRow {
  /** The request it belongs to. */
  readonly requestId: string;
  /** Its place in the request's history, from 0. */
  readonly seq: number;
  /** Epoch ms of the call's start (of the skip, for a skip). */
  readonly startedAt: number;
  /** The model's id in the chain. */
  readonly model: string;
  /** Its provider. */
  readonly provider: string;
  /** Its model id as the provider knows it. */
  readonly modelId: string;
  /** Which call to this model in this request (1 for the first); 0 for a skip. */
  readonly attempt: number;
  /** `success`, `failure`, `skipped` (no call made) or `cancelled` (the caller stopped it; counts for nothing). */
  readonly outcome: AttemptOutcome;
  /** With `failure` and `cancelled`: the failure kind. */
  readonly kind?: ModelErrorKind;
  /** With `skipped`: why (`open`, `cooldown`, `half_open_probe_in_flight`, `isolated`, `unsupported`, `bulkhead_full`). */
  readonly skipReason?: SkipReason;
  /** The HTTP status, when the failure had one. */
  readonly status?: number;
  /** What went wrong, for people: redacted and bounded. */
  readonly message?: string;
  /** Ms waited before this call (backoff or Retry-After). */
  readonly waitedMs: number;
  /** Ms from the call to its end. */
  readonly durationMs: number;
  /** Streams: ms from the call's start to its first content part, when one arrived. */
  readonly firstTokenMs?: number;
  /** True when this call was the half-open probe of an open breaker. */
  readonly probe: boolean;
  /**
   * True when this call's failure moved the request on to another model (a
   * fallback, its reason `kind`). Never for a call that lost a hedge, nor for
   * a hedge's failure the slow model's answer made moot.
   */
  readonly fellBack: boolean;
  /** True when this call was started as a hedge, beside a slower call of the same request that had not delivered. */
  readonly hedge: boolean;
  /**
   * With `cancelled`: the chain id of the model whose call delivered first
   * when this call lost a hedge (it was aborted then; its `usage` is
   * estimated, and its `cost` is the hedge's waste).
   */
  readonly lostHedgeTo?: string;
  /** Tokens used, when known (`estimated` for a stream that died). */
  readonly usage?: Usage;
  /** What the call's tokens cost under its model's price; absent without a price or without usage. */
  readonly cost?: number;
  /** With `success`: the provider's id of the response. */
  readonly responseId?: string;
  /** With `success`: the model the provider says answered. */
  readonly responseModel?: string;
  /** With `success`: why the model stopped. */
  readonly finishReason?: FinishReason;
}
