import type { FailedAnswerCheck } from "../checks/answer-check.ts";
import type { ModelErrorKind } from "../errors/model-error.ts";
import type { HealthSkipReason } from "../health/model-health.ts";
import type { FinishReason } from "../spec/chat-response.ts";
import type { Usage } from "../spec/usage.ts";

/** Why a model was passed over without a call: its health, its capabilities, or its full bulkhead. */
export type SkipReason = HealthSkipReason | "unsupported" | "bulkhead_full";

/**
 * How an attempt ended: `success`, `failure`, `skipped` (no call made), or
 * `cancelled` (the caller aborted or stopped reading; counts for nothing).
 */
export type AttemptOutcome = "success" | "failure" | "skipped" | "cancelled";

/** One entry of a request's history: a call to a model, or a model passed over. */
export interface AttemptRecord {
  /** The model's id in the chain. */
  readonly model: string;
  /** The model's provider. */
  readonly provider: string;
  /** The model id as the provider knows it. */
  readonly modelId: string;
  /** Which call to this model in this request (1 for the first); 0 for a skip. */
  readonly attempt: number;
  /** How it ended. */
  readonly outcome: AttemptOutcome;
  /** With `failure` (and `cancelled`): the failure kind. */
  readonly kind?: ModelErrorKind;
  /** With `skipped`: why. */
  readonly skipReason?: SkipReason;
  /** The HTTP status, when the failure had one. */
  readonly status?: number;
  /** What went wrong, for people. */
  readonly message?: string;
  /** With `bad_answer`: the answer check the model's answer failed, and why. */
  readonly failedCheck?: FailedAnswerCheck;
  /** Ms waited before this call (backoff or Retry-After). */
  readonly waitedMs: number;
  /** Ms from the call to its end. */
  readonly durationMs: number;
  /** Tokens used, when known (estimated for a stream that died). */
  readonly usage?: Usage;
  /**
   * What this call's tokens cost under its model's `price`, in the price's
   * unit; absent when the call used no tokens or its model has no price. The
   * answering call's is the result's `cost.answer`; the others add up to `cost.wasted`.
   */
  readonly cost?: number;
  /** True when this call was the half-open probe of an open breaker. */
  readonly probe: boolean;
  /** True when this call was started as a hedge, beside a slower call of the same request. */
  readonly hedge?: boolean;
  /**
   * With `cancelled`: the chain id of the model whose call delivered first
   * when this call lost a hedge (it was aborted at once; its `usage` is
   * estimated and its `cost` is waste).
   */
  readonly lostHedgeTo?: string;
  /** Streams: ms from the call's start to its first content part, when one arrived. */
  readonly firstContentMs?: number;
  /** With `success`: the provider's id of the response. */
  readonly responseId?: string;
  /** With `success`: why the model stopped. */
  readonly finishReason?: FinishReason;
  /** With `success`: the model the provider says answered (often a dated snapshot of the one asked for). */
  readonly responseModel?: string;
  /** Epoch ms of the call's start. */
  readonly startedAt: number;
}

/** A move from one model to the next within a request. */
export interface FallbackSwitch {
  /** The model that failed. */
  readonly from: string;
  /** The model tried next. */
  readonly to: string;
  /** The failure that caused the switch. */
  readonly reason: ModelErrorKind;
}

/** A hedge of a request: `to` was started beside `from`, which had not delivered after `afterMs`. */
export interface HedgeRecord {
  /** The slow model's chain id. */
  readonly from: string;
  /** The model started beside it. */
  readonly to: string;
  /** The delay after which it started, in ms. */
  readonly afterMs: number;
  /** Epoch ms of the hedge's start. */
  readonly startedAt: number;
  /** The model that delivered first; absent when neither did. */
  readonly winner?: string;
}
