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
