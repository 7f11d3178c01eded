import type { AttemptRecord, SkipReason } from "../engine/attempt-record.ts";
import type { FallbackResult } from "../engine/fallback-result.ts";
import type { FallbackExhaustedError } from "../errors/fallback-exhausted-error.ts";
import type { ModelErrorKind } from "../errors/model-error.ts";
import type { HealthStoreEvent } from "../health/health-store.ts";
import type { ChatRequest } from "../spec/chat-request.ts";

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
  /** A shared health store saw another process change a model's health, lost its backend, or got it back. */
  healthStore: (event: HealthStoreEvent) => void;
}
