import type { FailedAnswerCheck } from "../checks/answer-check.ts";
import type { AttemptRecord, SkipReason } from "../engine/attempt-record.ts";
import type { FallbackResult } from "../engine/fallback-result.ts";
import type { FallbackExhaustedError } from "../errors/fallback-exhausted-error.ts";
import type { ModelErrorKind } from "../errors/model-error.ts";
import type { HealthStoreEvent } from "../health/health-store.ts";
import type { ChatRequest } from "../spec/chat-request.ts";
import type { FinishReason, ToolCall } from "../spec/chat-response.ts";
import type { Usage } from "../spec/usage.ts";

/** Every event names the request it belongs to. */
export interface RequestEvent {
  /** The engine's id of the request. */
  readonly requestId: string;
}

/** A request began: validated, about to walk its chain. */
export interface RequestStartEvent extends RequestEvent {
  /** `generate` or `stream`. */
  readonly method: "generate" | "stream";
  /** The chain ids this request may use, in order. */
  readonly models: readonly string[];
  /** Epoch ms of the start. */
  readonly startedAt: number;
  /** The caller's `tags` for this call (frozen; empty when none were given). */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * The request as validated, before any model's provider options or prefill:
   * what a request log or a tracer captures (it holds the prompt: capture it
   * only by choice, and redacted). Do not change it; the engine keeps using it.
   */
  readonly request: ChatRequest;
}

/** A call to a model is about to go out (after its bulkhead let it through). */
export interface AttemptStartEvent extends RequestEvent {
  /** The model's id in the chain. */
  readonly model: string;
  /** Its provider. */
  readonly provider: string;
  /** Its model id as the provider knows it. */
  readonly modelId: string;
  /** Which call to this model in this request (1 for the first). */
  readonly attempt: number;
  /** True when this call is the half-open probe of an open breaker. */
  readonly probe: boolean;
  /** True when this call was started as a hedge, beside a slower call of the same request. */
  readonly hedge?: boolean;
  /** Epoch ms of the call's start. */
  readonly startedAt: number;
}

/**
 * Runs each attempt's call to its adapter inside a context of yours, and
 * returns what `call` returns: OpenTelemetry makes the attempt's span active
 * so that the SDK's HTTP call is its child. Register with `chat.wrapAttempts`.
 */
export type AttemptWrapper = <T>(attempt: AttemptStartEvent, call: () => T) => T;

/** A call to a model ended (any outcome but `skipped`, which has its own event). */
export interface AttemptEvent extends RequestEvent {
  /** The call's record, as it stands in the result's `attempts`. */
  readonly record: AttemptRecord;
}

/** The engine is about to call the same model again. */
export interface RetryEvent extends RequestEvent {
  /** The model. */
  readonly model: string;
  /** The number of the coming call (2 for the first retry). */
  readonly attempt: number;
  /** Ms it waits first. */
  readonly delayMs: number;
  /** The failure being retried. */
  readonly reason: ModelErrorKind;
  /** The provider's Retry-After, when it sent one. */
  readonly retryAfterMs?: number;
}

/** The engine moved from a failed model to the next. `auth` switches mean a bad key: alert on them. */
export interface FallbackEvent extends RequestEvent {
  /** The failed model. */
  readonly from: string;
  /** The next model. */
  readonly to: string;
  /** The failure. */
  readonly reason: ModelErrorKind;
}

/** A model was passed over without a call. */
export interface SkipEvent extends RequestEvent {
  /** The model. */
  readonly model: string;
  /** Why. */
  readonly reason: SkipReason;
  /** Epoch ms when it may be called again, when known. */
  readonly until?: number;
  /** Details (e.g. which capability is missing). */
  readonly message?: string;
}

/**
 * A stream that had shown content restarts from scratch on its next attempt
 * (`midStream: "restart"`, or `"continue"` where no prefill is possible): the
 * caller receives a `reset` part at the same moment and discards what it showed.
 */
export interface ResetEvent extends RequestEvent {
  /** The chain id of the model whose stream was cut. */
  readonly model: string;
  /** Why it was cut. */
  readonly reason: ModelErrorKind;
}

/** A request was answered. */
export interface SuccessEvent extends RequestEvent {
  /** The result, as returned to the caller. */
  readonly result: FallbackResult;
}

/**
 * A request ended in an error: surfaced, interrupted, exhausted, or aborted
 * (by the caller's signal, or by a consumer that stopped reading a stream:
 * an `aborted` `ModelError`, which counts against no model).
 */
export interface FailureEvent extends RequestEvent {
  /** The error the caller receives; when what was thrown is not an `Error`, an `Error` describing it, with the value as `cause`. */
  readonly error: Error;
  /** Every call and skip, in order. */
  readonly attempts: readonly AttemptRecord[];
}

/** No model answered; also reported as `failure`. */
export interface ExhaustedEvent extends RequestEvent {
  /** The error the caller receives. */
  readonly error: FallbackExhaustedError;
}

/** A breaker changed state because of this request's outcome. */
export interface BreakerEvent extends RequestEvent {
  /** The model. */
  readonly model: string;
  /** With `breakerOpen`: the failure that opened it. */
  readonly reason?: ModelErrorKind;
  /** With `breakerOpen`: epoch ms from which a probe may go. */
  readonly reopenAt?: number;
}

/** A listener threw; the request went on regardless. */
export interface ListenerErrorEvent {
  /** The event whose listener threw. */
  readonly event: string;
  /** What it threw. */
  readonly error: unknown;
}

/**
 * Why a sampled request got no shadow call:
 * `unhealthy` — the shadow model's breaker is not closed (open, half-open, isolated) or it is cooling down;
 * `serving_fallbacks` — a real request called it within `pauseAfterFallbackMs`, or its bulkhead holds real calls;
 * `max_concurrent` — `maxConcurrent` shadow calls were in flight;
 * `max_cost` — the last hour's shadow spend reached `maxCostPerHour`;
 * `unsupported` — the model's declared capabilities do not fit the request;
 * `closed` — the chain is closing.
 */
export type ShadowSkipReason = "unhealthy" | "serving_fallbacks" | "max_concurrent" | "max_cost" | "unsupported" | "closed";

/** What a shadow call answered. */
export interface ShadowAnswer {
  /** The answer's text. */
  readonly text: string;
  /** Its tool calls. */
  readonly toolCalls: readonly ToolCall[];
  /** Why the model stopped. */
  readonly finishReason: FinishReason;
}

/**
 * A sampled request's shadow call ended, or was skipped (see
 * `FallbackOptions.shadow`). Emitted after the caller has its result; it
 * never changes that result.
 */
export interface ShadowEvent extends RequestEvent {
  /** The shadow model's chain id. */
  readonly model: string;
  /** The chain id of the model that answered the caller. */
  readonly answeringModel: string;
  /** `answered`, `failed` (an error, the timeout, or `close()`), or `skipped` (no call made). */
  readonly outcome: "answered" | "failed" | "skipped";
  /** With `skipped`: why. */
  readonly skipReason?: ShadowSkipReason;
  /** Epoch ms of the shadow call's start (of the decision, when skipped). */
  readonly startedAt: number;
  /** Ms the shadow call took (0 when skipped). */
  readonly durationMs: number;
  /** With `answered`: the shadow answer. It holds model output: log it only by choice. */
  readonly answer?: ShadowAnswer;
  /** With `answered`: the shadow call's tokens. */
  readonly usage?: Usage;
  /** With `answered` and a `price` on the shadow model: what the call cost. */
  readonly cost?: number;
  /** With `answered`: the first of the shadow's `answerChecks` the shadow answer failed. */
  readonly failedCheck?: FailedAnswerCheck;
  /** With `answered`: the first of the same checks the real answer (the caller's) failed, so that both verdicts compare on the same requests. */
  readonly realFailedCheck?: FailedAnswerCheck;
  /** With `failed`: the failure kind (`timeout` for the shadow's own timer, `aborted` for `close()`). */
  readonly kind?: ModelErrorKind;
  /** With `failed`: what went wrong, with anything shaped like an API key redacted. */
  readonly message?: string;
}

/** A hedge started: `from` had not delivered after `afterMs`, so `to` was called beside it. */
export interface HedgeStartEvent extends RequestEvent {
  /** The slow model's chain id. */
  readonly from: string;
  /** The model started beside it. */
  readonly to: string;
  /** The delay after which it started, in ms. */
  readonly afterMs: number;
}

/** A hedge's race was decided: who delivered first, or nobody (both failed, or the request ended). */
export interface HedgeEndEvent extends RequestEvent {
  /** The slow model's chain id. */
  readonly from: string;
  /** The model started beside it. */
  readonly to: string;
  /** The model that delivered first; absent when neither did. */
  readonly winner?: string;
}

/**
 * Why a due hedge did not go: the next model does not fit the request
 * (`unsupported`), its breaker is open, due a probe or probing, or it is
 * cooling down (`unavailable`), its bulkhead is full (`bulkhead_full`), or
 * the chain's hedge budget is spent (`budget`).
 */
export type HedgeRefusal = "unsupported" | "unavailable" | "bulkhead_full" | "budget";

/** A hedge was due (the delay passed without delivery) but did not go; the slow call goes on alone. */
export interface HedgeSkipEvent extends RequestEvent {
  /** The slow model's chain id. */
  readonly from: string;
  /** The model the hedge would have gone to. */
  readonly to: string;
  /** The delay that passed, in ms. */
  readonly afterMs: number;
  /** Why it did not go. */
  readonly reason: HedgeRefusal;
}

/** The events of a `Fallback`, for `chat.on(name, listener)`. */
export interface FallbackEvents {
  /** A request began. */
  requestStart: (event: RequestStartEvent) => void;
  /** A call to a model is about to go out. */
  attemptStart: (event: AttemptStartEvent) => void;
  /** A call ended. */
  attempt: (event: AttemptEvent) => void;
  /** A retry of the same model is coming. */
  retry: (event: RetryEvent) => void;
  /** A switch to the next model. */
  fallback: (event: FallbackEvent) => void;
  /** A model passed over. */
  skip: (event: SkipEvent) => void;
  /** A stream restarts from scratch after showing content. */
  reset: (event: ResetEvent) => void;
  /** A request answered. */
  success: (event: SuccessEvent) => void;
  /** A request failed. */
  failure: (event: FailureEvent) => void;
  /** No model answered. */
  exhausted: (event: ExhaustedEvent) => void;
  /** A breaker opened. */
  breakerOpen: (event: BreakerEvent) => void;
  /** A breaker let a probe through. */
  breakerHalfOpen: (event: BreakerEvent) => void;
  /** A breaker closed after a successful probe. */
  breakerClose: (event: BreakerEvent) => void;
  /** A listener threw. */
  listenerError: (event: ListenerErrorEvent) => void;
  /** A sampled request's shadow call ended or was skipped (only with `shadow` set). */
  shadow: (event: ShadowEvent) => void;
  /** A hedge started: the next model was called beside a slow one. */
  hedgeStart: (event: HedgeStartEvent) => void;
  /** A hedge's race was decided. */
  hedgeEnd: (event: HedgeEndEvent) => void;
  /** A hedge was due but did not go (its budget spent, the next model unavailable): what tunes `hedging.maxShare`. */
  hedgeSkip: (event: HedgeSkipEvent) => void;
  /** A shared health store saw another process change a model's health, lost its backend, or got it back. */
  healthStore: (event: HealthStoreEvent) => void;
}
