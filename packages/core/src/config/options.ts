import type { IBreaker, IPolicy } from "cockatiel";
import type { AnswerCheck } from "../checks/answer-check.ts";
import type { HealthStore } from "../health/health-store.ts";
import type { ProviderOptions } from "../spec/chat-request.ts";
import type { ModelAdapter } from "../spec/model-adapter.ts";
import type { FailureActionOverrides } from "./failure-action.ts";

/** Retry of the same model. */
export interface RetryOptions {
  /** Calls to this model in one request, the first included. Default 2 (one retry). */
  readonly maxAttempts?: number;
  /** First backoff delay in ms, before jitter. Default 250. */
  readonly initialDelayMs?: number;
  /** Largest backoff delay in ms. Default 4000. */
  readonly maxDelayMs?: number;
  /**
   * The longest provider Retry-After the engine waits out on the same model, in
   * ms. A longer one cools the model down for that long and falls over.
   * Default 5000.
   */
  readonly maxRetryAfterMs?: number;
}

/**
 * The three timers of an attempt, in ms. `false` or `Infinity` turns a timer
 * off; a finite value may be at most 2 147 483 647 (about 24.8 days, the
 * longest a timer can wait). Fractions are rounded up.
 */
export interface TimeoutOptions {
  /** Whole attempt of a non-streamed call, in ms. Default 120 000. */
  readonly attemptMs?: number | false;
  /**
   * Time from the start of a streamed attempt to its first part, in ms.
   * Default 20 000, or 120 000 for models whose capabilities say `reasoning`.
   */
  readonly firstTokenMs?: number | false;
  /** Longest gap between two parts of a stream while the engine waits on the provider, in ms. Default 30 000. */
  readonly idleMs?: number | false;
  /**
   * Learn the first-token timer from the model's own recent times to first
   * token, for prompts of the same size: the timer becomes `multiplier` times
   * the estimated 99th percentile, at least `minMs`, at most `firstTokenMs`
   * (which stays the ceiling, and the timer until `minSamples` streams were
   * seen). A model whose first token normally takes 800 ms then falls over
   * after a few seconds, not 20; a reasoning model that thinks for a minute
   * learns a minute. Half-open probes keep the full `firstTokenMs`. `true`
   * takes the defaults. With `firstTokenMs: false` there is no ceiling: no
   * timer until `minSamples`, then the learned one. Off by default.
   */
  readonly learnFirstToken?: boolean | LearnedFirstTokenOptions;
}

/** How a learned first-token timer is derived (see {@link TimeoutOptions.learnFirstToken}); each field falls back to its default. */
export interface LearnedFirstTokenOptions {
  /** The timer as a multiple of the estimated 99th percentile of time to first token; at least 1. Default 3. */
  readonly multiplier?: number;
  /** The shortest the learned timer may be, in ms. Default 2 000. */
  readonly minMs?: number;
  /** Streams of a prompt size seen before the learned timer replaces `firstTokenMs` for that size. Default 20. */
  readonly minSamples?: number;
}

/**
 * Hedged requests (see the policies guide): when this model has not
 * delivered its first content (`stream`) or its answer (`generate`) after
 * `afterMs`, the next model of the request's chain starts beside it. The
 * first to deliver wins; the other is aborted at once, its tokens counted as
 * wasted cost, its breaker untouched. Bounded by the chain's `hedging` budget.
 * The hedge goes to the next model only, never further down: when that one
 * is unavailable the slow call goes on alone (event `hedgeSkip`), and the
 * chain's last model has none to hedge to.
 *
 * @example
 * ```ts
 * hedge: { afterMs: 1_500 }                          // fixed
 * hedge: { afterMs: "learned", minMs: 300, maxMs: 4_000 } // this model's p95, within bounds
 * ```
 */
export interface HedgeOptions {
  /**
   * How long to wait for this model before starting the next one, in ms; or
   * `"learned"`: the model's estimated 95th percentile for prompts of this
   * size (time to first token on `stream`, answer time on `generate`).
   */
  readonly afterMs: number | "learned";
  /** With `"learned"`: the shortest delay, in ms. Default 250. */
  readonly minMs?: number;
  /** With `"learned"`: the longest delay, and the delay until `minSamples` calls were seen, in ms. Default 5 000. */
  readonly maxMs?: number;
  /** With `"learned"`: calls of a prompt size seen before the learned delay is used for that size. Default 20. */
  readonly minSamples?: number;
}

/**
 * The chain's bounds on hedged requests. Hedges are extra calls: the budget
 * keeps them a small share of traffic whatever the providers do.
 */
export interface HedgingOptions {
  /**
   * Hedges as a share of requests, from 0 to 1: each request adds this much to
   * a budget that each hedge spends one of. Default 0.1 (one hedge per ten requests).
   */
  readonly maxShare?: number;
  /** The most the budget may hold: hedges that may go in a burst, as at a start. Default 10. */
  readonly burst?: number;
  /** Hedges one request may start. Default 1. */
  readonly maxPerRequest?: number;
}

/**
 * How long an open breaker skips its model before one probe is let through.
 * A number is a fixed interval in ms, the same after every failed probe. An
 * object is an adaptive interval: `initialMs` after the breaker opens, then
 * `multiplier` times longer after each probe that fails, up to `maxMs`; a
 * probe that succeeds closes the breaker and starts the next outage at
 * `initialMs` again. The default is adaptive (`policyDefaults.halfOpenAfterMs`:
 * 2 s, 4 s, 8 s, … up to 60 s), so a provider that comes back is tried within
 * seconds, and a long outage costs about one probe a minute.
 *
 * @example
 * ```ts
 * breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 } // fixed: every 30 s
 * breaker: { consecutiveFailures: 5, halfOpenAfterMs: { initialMs: 1_000, maxMs: 120_000 } } // 1 s, 2 s, 4 s, … 120 s
 * ```
 */
export type HalfOpenAfter = number | HalfOpenBackoffOptions;

/** An adaptive half-open interval (see {@link HalfOpenAfter}); each field falls back to its default. */
export interface HalfOpenBackoffOptions {
  /** The interval after the breaker opens, in ms. Default 2 000. */
  readonly initialMs?: number;
  /** The longest interval, however many probes failed, in ms; at least `initialMs`. Default 60 000. */
  readonly maxMs?: number;
  /** How much longer each interval is than the one before, after a failed probe; at least 1 (1 is a fixed interval). Default 2. */
  readonly multiplier?: number;
}

/** Opens after a run of consecutive failures. */
export interface ConsecutiveBreakerOptions {
  /** Failures in a row that open the breaker. */
  readonly consecutiveFailures: number;
  /** How long the breaker stays open before one probe is let through (see {@link HalfOpenAfter}). Default: adaptive, 2 s doubling to 60 s. */
  readonly halfOpenAfterMs?: HalfOpenAfter;
}

/** Opens when the share of failures over a sliding window passes a threshold. */
export interface SamplingBreakerOptions {
  /** Share of failed calls (0 to 1, exclusive of 0) that opens the breaker. */
  readonly failureRate: number;
  /** Length of the sliding window, in ms. */
  readonly windowMs: number;
  /**
   * Calls per second below which the breaker never opens (low traffic is not a
   * signal). Default, as in cockatiel: enough calls for 5 failures a second at
   * `failureRate` (10 calls/s at 0.5).
   */
  readonly minimumRps?: number;
  /** How long the breaker stays open before one probe is let through (see {@link HalfOpenAfter}). Default: adaptive, 2 s doubling to 60 s. */
  readonly halfOpenAfterMs?: HalfOpenAfter;
}

/** A breaker that counts with any cockatiel `IBreaker` (`CountBreaker`, your own). */
export interface CustomBreakerOptions {
  /** Makes a fresh counter; called at start and at every manual reset. */
  readonly counter: () => IBreaker;
  /** How long the breaker stays open before one probe is let through (see {@link HalfOpenAfter}). Default: adaptive, 2 s doubling to 60 s. */
  readonly halfOpenAfterMs?: HalfOpenAfter;
}

/** Circuit breaker settings; `false` turns the breaker off. Default: 5 consecutive failures, open for 2 s doubling to 60 s per failed probe. */
export type BreakerOptions = ConsecutiveBreakerOptions | SamplingBreakerOptions | CustomBreakerOptions | false;

/** Concurrency limit of one model. A call that finds the model and its queue full falls over. */
export interface BulkheadOptions {
  /** Calls in flight at once. */
  readonly maxConcurrent: number;
  /** Calls that may wait for a slot. Default 0. */
  readonly maxQueued?: number;
}

/** How long a model is skipped without a call after a failure that says "not now". */
export interface CooldownOptions {
  /** After a `quota` failure, in ms. Default 300 000. */
  readonly quotaMs?: number;
  /**
   * The longest a provider's own figure — a Retry-After, a rate-limit reset —
   * may keep the model cooling down (or a quota cooldown beyond `quotaMs`),
   * in ms. Providers' numbers are untrusted: `retry-after: 999999999` must not
   * bench a model for decades, and through a shared health store for every
   * replica. Default 600 000 (10 minutes).
   */
  readonly maxMs?: number;
}

/** Prices per million tokens, in your currency (the cost report sums them). */
export interface ModelPrice {
  /** Uncached input tokens. */
  readonly inputPerMillion: number;
  /** Output tokens (reasoning included). */
  readonly outputPerMillion: number;
  /** Cached input tokens read. Default: `inputPerMillion`. */
  readonly cachedInputPerMillion?: number;
  /** Input tokens written to the cache. Default: `inputPerMillion`. */
  readonly cacheWritePerMillion?: number;
}

/** Policy settings that apply to one model; set them per model, or for all in `defaults`. */
export interface ModelPolicyOptions {
  /** Retry of the same model. */
  readonly retry?: RetryOptions;
  /** Attempt, first-token and idle timers. */
  readonly timeout?: TimeoutOptions;
  /** Circuit breaker, or `false` for none. */
  readonly breaker?: BreakerOptions;
  /** Concurrency limit; none by default. */
  readonly bulkhead?: BulkheadOptions;
  /** Cooldowns after quota failures. */
  readonly cooldown?: CooldownOptions;
  /** Changes to the action taken per failure kind (see `defaultFailureActions`). */
  readonly onFailure?: FailureActionOverrides;
  /**
   * Your own cockatiel policy, run around each attempt (inside the engine's
   * breaker and timers). For streams it covers the attempt until its first part.
   */
  readonly policy?: IPolicy;
  /**
   * Let a stream cut mid-answer continue on this model with the partial text as
   * an assistant prefill (`midStream: "continue"`). Only for models that accept
   * a prefill. Default false.
   */
  readonly acceptsPrefill?: boolean;
  /**
   * Checks each answer of this model must pass before the caller gets it
   * (`answerChecks.all()`, or your own): an answer that fails one is a
   * `bad_answer` failure, and by default the next model is tried. Streams are
   * checked only when the call holds them (`bufferAnswers`). None by default.
   */
  readonly answerChecks?: readonly AnswerCheck[];
  /** Hedged requests from this model to the next (see {@link HedgeOptions}); `false` or absent for none. */
  readonly hedge?: HedgeOptions | false;
}

/** One model of the chain. */
export interface ModelEntry extends ModelPolicyOptions {
  /** The adapter, e.g. `openai("gpt-4.1-mini")`. */
  readonly model: ModelAdapter;
  /** Unique id in this chain. Default `provider:modelId`; give one when the same model appears twice. */
  readonly id?: string;
  /** Prices, for the cost report. */
  readonly price?: ModelPrice;
  /** Provider options merged into every request sent to this model. */
  readonly providerOptions?: ProviderOptions;
}

/**
 * What the engine does with a stream that fails after content reached the caller:
 * `error` — a `StreamInterruptedError` (default);
 * `restart` — a `reset` part, then the answer again from the next attempt;
 * `continue` — on a model with `acceptsPrefill`, the next attempt continues the
 * partial text as a prefill (no reset); elsewhere, as `restart`.
 */
export type MidStreamMode = "error" | "restart" | "continue";

/** What the engine does when every model is skipped for its health. */
export type WhenAllUnavailable = "try-nearest" | "fail";

/** Options of `createFallback`. */
export interface FallbackOptions {
  /** The chain, in order of preference. */
  readonly models: readonly ModelEntry[];
  /** Policy settings for every model that does not set its own. */
  readonly defaults?: ModelPolicyOptions;
  /**
   * Time limit of one request across all its retries and fallbacks, in ms, at
   * most 2 147 483 647; `Infinity` is the same as none. Off by default.
   */
  readonly deadlineMs?: number;
  /** Stream failures after content reached the caller. Default `error`. */
  readonly midStream?: MidStreamMode;
  /**
   * When every model is open or cooling down: `try-nearest` (default) makes one
   * attempt on the model nearest to recovery; `fail` fails at once.
   */
  readonly whenAllUnavailable?: WhenAllUnavailable;
  /** Where model health lives; in memory by default. Share it across processes with a shared store. */
  readonly healthStore?: HealthStore;
  /**
   * Shadow sampling: a share of real requests is also sent, in the
   * background, to one backup of the chain, so that both answers can be
   * compared on live traffic (event `shadow`, and the request log's
   * `shadows` table). Off when absent. The sampled prompts go to the
   * backup's vendor too.
   */
  readonly shadow?: ShadowOptions;
  /** Bounds on hedged requests (models opt in with `hedge`). Default: 10% of requests, bursts of 10, one per request. */
  readonly hedging?: HedgingOptions;
}

/**
 * Shadow sampling of live traffic (see {@link FallbackOptions.shadow}). A
 * sampled request is answered as usual; once the caller has its result, the
 * same request goes once to `model`'s adapter directly — no retry, no
 * breaker, cooldown or bulkhead of the backup moved — and both answers go
 * through `answerChecks`. A shadow call never delays, changes or fails the
 * caller's request.
 */
export interface ShadowOptions {
  /** The chain id of the backup that gets the sampled requests; not the chain's only model. */
  readonly model: string;
  /** Share of successful requests answered by another model that are also sent to `model`, from 0 to 1 (e.g. `0.05`). */
  readonly sampleRate: number;
  /** Most shadow calls in flight at once; a sample past it is skipped. Default 2. */
  readonly maxConcurrent?: number;
  /**
   * Most spend on shadow calls in any rolling hour, in the unit of `model`'s
   * `price` (which it needs); a sample is skipped once the hour's spend has
   * reached it. Calls in flight may pass it by at most `maxConcurrent` calls'
   * cost. No cap by default.
   */
  readonly maxCostPerHour?: number;
  /** Longest a shadow call may take, in ms; then it is aborted and counted as failed. Default 30 000. */
  readonly timeoutMs?: number;
  /** Checks run on both the real answer and the shadow answer, their verdicts reported side by side. Default `answerChecks.all()`. */
  readonly answerChecks?: readonly AnswerCheck[];
  /**
   * How long shadow calls pause after a real request called `model` (a
   * fallback to it, or an answer from it), in ms: while the backup serves real
   * traffic its rate limit is not to be spent on comparisons. Default 60 000.
   */
  readonly pauseAfterFallbackMs?: number;
  /** The sample draw: a number in [0, 1), as `Math.random` (the default) returns. For tests. */
  readonly random?: () => number;
}

/** Per-call options of `generate` and `stream`. */
export interface CallOptions {
  /** Cancels the whole request. */
  readonly signal?: AbortSignal;
  /** Ids of the chain's models to use for this call, in the chain's order. */
  readonly models?: readonly string[];
  /** Overrides the chain's `deadlineMs` for this call; `Infinity` lifts it. */
  readonly deadlineMs?: number;
  /** Overrides the chain's `midStream` for this call. */
  readonly midStream?: MidStreamMode;
  /**
   * Your labels for this request (`{ feature: "search", tenant: "acme" }`),
   * carried on `requestStart` so that a request log or a tracer can file the
   * request under them. At most 32 tags; keys of 1 to 64 characters, string
   * values of at most 256; anything else is a `RequestError` naming the tag.
   * Never sent to a provider.
   */
  readonly tags?: Readonly<Record<string, string>>;
  /** Checks every model's answer must pass on this call, besides each model's own `answerChecks`. */
  readonly answerChecks?: readonly AnswerCheck[];
  /**
   * On `stream`, hold each attempt's parts until its answer has passed its
   * checks, then hand them over at once: a stream whose answers are checked
   * shows nothing before a whole answer passed (its first token comes with
   * its last). Without it, streamed answers are not checked. Default false.
   */
  readonly bufferAnswers?: boolean;
}
