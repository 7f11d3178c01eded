import type { Cost, ExhaustedReason, FinishReason, ModelErrorKind, Usage } from "@understudy/core";

/**
 * How a request ended:
 * `success` — a model answered;
 * `exhausted` — no model answered (`FallbackExhaustedError`: all failed, the deadline, all unavailable, none fit);
 * `interrupted` — a stream failed after content reached the caller (`StreamInterruptedError`);
 * `surfaced` — a failure that is the request's own (`invalid_request`, `content_filter`, …) reached the caller;
 * `aborted` — the caller's signal, or a consumer that stopped reading a stream;
 * `error` — anything else thrown (none expected).
 */
export type RequestOutcome = "success" | "exhausted" | "interrupted" | "surfaced" | "aborted" | "error";

/** One row per request: who answered, how the chain got there, and what it cost. */
export interface RequestRecord {
  /** The engine's id of the request (as in every event it caused); unique across processes. */
  readonly requestId: string;
  /** Epoch ms of the request's start. */
  readonly startedAt: number;
  /** Ms from the start to the answer, or to the error. */
  readonly durationMs: number;
  /** The name the recording was given (`recordRequests(…, { chain })`), to tell several chains apart in one log. */
  readonly chain: string;
  /** `generate` or `stream`. */
  readonly method: "generate" | "stream";
  /** The chain ids this request could use, in order (the call's `models`, or the whole chain). */
  readonly models: readonly string[];
  /** The call's `tags`; empty when none. */
  readonly tags: Readonly<Record<string, string>>;
  /** How it ended. */
  readonly outcome: RequestOutcome;
  /** With `success`: the chain id of the model that answered. */
  readonly model?: string;
  /** With `success`: its provider. */
  readonly provider?: string;
  /** With `success`: its model id as the provider knows it. */
  readonly modelId?: string;
  /** With `success`: the model the provider says answered (often a dated snapshot), when it said. */
  readonly responseModel?: string;
  /** With `success`: why the model stopped. */
  readonly finishReason?: FinishReason;
  /** Otherwise: the error's name (`FallbackExhaustedError`, `StreamInterruptedError`, `ModelError`, …). */
  readonly errorName?: string;
  /** Otherwise: the failure kind (an exhausted request's: its most actionable failure's). */
  readonly errorKind?: ModelErrorKind;
  /** With `exhausted`: why no model answered. */
  readonly exhaustedReason?: ExhaustedReason;
  /** Otherwise: the error's message, redacted and bounded. */
  readonly errorMessage?: string;
  /** Calls made to models (every attempt but skips). */
  readonly calls: number;
  /** Models passed over without a call. */
  readonly skips: number;
  /** Calls that repeated a call to the same model. */
  readonly retries: number;
  /** Moves from a failed model to the next. */
  readonly fallbacks: number;
  /** Restarts of a stream that had shown content (each a `reset` part the caller received). */
  readonly resets: number;
  /** Hedges started: a model called beside a slower one that had not delivered after its hedge delay. */
  readonly hedges: number;
  /** Hedges the model started beside the slow one won: it delivered first (the slow call was aborted). */
  readonly hedgesWon: number;
  /** Streams: ms from the start to the first content part the caller received, when one came. */
  readonly firstTokenMs?: number;
  /** Tokens of every call, the wasted ones included (`estimated` when any is). */
  readonly usage: Usage;
  /** What the request cost, answer and waste apart (`complete: false` when a model without a price used tokens). */
  readonly cost: Cost;
  /** The prompt (system and messages as JSON, images elided), redacted and bounded; only when captured. */
  readonly prompt?: string;
  /** The answer's text (and tool calls), redacted and bounded; only when captured and answered. */
  readonly answer?: string;
}
