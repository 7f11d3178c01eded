import { ConsecutiveBreaker, type IBreaker, type IPolicy, SamplingBreaker } from "cockatiel";
import type { AnswerCheck } from "../checks/answer-check.ts";
import type { ModelErrorKind } from "../errors/model-error.ts";
import type { ProviderOptions } from "../spec/chat-request.ts";
import type { ModelAdapter } from "../spec/model-adapter.ts";
import { defaultFailureActions, type FailureAction } from "./failure-action.ts";
import type {
  BreakerOptions,
  HalfOpenAfter,
  HalfOpenBackoffOptions,
  HedgeOptions,
  LearnedFirstTokenOptions,
  ModelEntry,
  ModelPolicyOptions,
  ModelPrice,
} from "./options.ts";

/** Every policy setting of one model, defaults filled in. */
export interface ModelSettings {
  readonly id: string;
  readonly adapter: ModelAdapter;
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetryAfterMs: number;
  readonly attemptMs: number | false;
  readonly firstTokenMs: number | false;
  readonly idleMs: number | false;
  readonly breakerCounter: (() => IBreaker) | undefined;
  readonly halfOpenAfter: HalfOpenInterval;
  readonly bulkhead: { readonly maxConcurrent: number; readonly maxQueued: number } | undefined;
  readonly quotaCooldownMs: number;
  readonly maxCooldownMs: number;
  readonly actions: Readonly<Record<ModelErrorKind, FailureAction>>;
  readonly policy: IPolicy | undefined;
  readonly acceptsPrefill: boolean;
  readonly price: ModelPrice | undefined;
  readonly providerOptions: ProviderOptions | undefined;
  readonly answerChecks: readonly AnswerCheck[];
  /** When the next model starts beside this one; `undefined` for no hedging. */
  readonly hedge: HedgeDelay | undefined;
  /** How the first-token timer is learned; `undefined` keeps `firstTokenMs` fixed. */
  readonly learnedFirstToken: LearnedFirstToken | undefined;
}

/** A hedge delay, resolved: fixed, or learned from the model's 95th percentile within bounds. */
export type HedgeDelay =
  | { readonly type: "fixed"; readonly afterMs: number }
  | { readonly type: "learned"; readonly minMs: number; readonly maxMs: number; readonly minSamples: number };

/** A learned first-token timer's settings, resolved (see `TimeoutOptions.learnFirstToken`). */
export interface LearnedFirstToken {
  readonly multiplier: number;
  readonly minMs: number;
  readonly minSamples: number;
}

/**
 * The half-open interval, resolved: after the breaker opens, `initialMs`;
 * after `n` failed probes in a row, `min(maxMs, initialMs × multiplier^n)`.
 * A fixed interval has `multiplier` 1 (and `maxMs` = `initialMs`).
 */
export interface HalfOpenInterval {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
}

/**
 * The library's defaults, in one place; each is documented on its option.
 *
 * @example
 * ```ts
 * // A chain that waits twice as long as the default for a first token.
 * const timeout = { firstTokenMs: 2 * policyDefaults.firstTokenMs };
 * ```
 */
export const policyDefaults = {
  /** {@link RetryOptions.maxAttempts}: calls per model, the first included. */
  maxAttempts: 2,
  /** {@link RetryOptions.initialDelayMs}: first backoff delay. */
  initialDelayMs: 250,
  /** {@link RetryOptions.maxDelayMs}: longest backoff delay. */
  maxDelayMs: 4_000,
  /** {@link RetryOptions.maxRetryAfterMs}: longest Retry-After honoured by waiting. */
  maxRetryAfterMs: 5_000,
  /** {@link TimeoutOptions.attemptMs}: one non-streamed call. */
  attemptMs: 120_000,
  /** {@link TimeoutOptions.firstTokenMs}: a stream's first part. */
  firstTokenMs: 20_000,
  /** {@link TimeoutOptions.firstTokenMs} for models whose capabilities say `reasoning`. */
  reasoningFirstTokenMs: 120_000,
  /** {@link TimeoutOptions.idleMs}: the longest gap between two stream parts. */
  idleMs: 30_000,
  /** {@link ConsecutiveBreakerOptions.consecutiveFailures}: failures in a row that open the breaker. */
  consecutiveFailures: 5,
  /**
   * {@link ConsecutiveBreakerOptions.halfOpenAfterMs}: how long an open breaker skips its model —
   * 2 s after it opens, twice as long after each failed probe, at most 60 s (until 0.1.0: a fixed 30 s).
   */
  halfOpenAfterMs: {
    /** {@link HalfOpenBackoffOptions.initialMs}: the interval after the breaker opens. */
    initialMs: 2_000,
    /** {@link HalfOpenBackoffOptions.maxMs}: the longest interval. */
    maxMs: 60_000,
    /** {@link HalfOpenBackoffOptions.multiplier}: the growth per failed probe. */
    multiplier: 2,
  },
  /** {@link HedgeOptions}: the bounds of a learned hedge delay, and the samples it waits for. */
  hedge: {
    /** {@link HedgeOptions.minMs}: the shortest learned delay. */
    minMs: 250,
    /** {@link HedgeOptions.maxMs}: the longest learned delay, and the delay before enough samples. */
    maxMs: 5_000,
    /** {@link HedgeOptions.minSamples}: calls of a prompt size before the learned delay is used. */
    minSamples: 20,
  },
  /** {@link HedgingOptions}: the chain's budget of hedges. */
  hedging: {
    /** {@link HedgingOptions.maxShare}: hedges as a share of requests. */
    maxShare: 0.1,
    /** {@link HedgingOptions.burst}: hedges the budget may hold. */
    burst: 10,
    /** {@link HedgingOptions.maxPerRequest}: hedges one request may start. */
    maxPerRequest: 1,
  },
  /** {@link TimeoutOptions.learnFirstToken}: how a learned first-token timer is derived. */
  learnFirstToken: {
    /** {@link LearnedFirstTokenOptions.multiplier}: the timer as a multiple of the estimated p99. */
    multiplier: 3,
    /** {@link LearnedFirstTokenOptions.minMs}: the shortest learned timer. */
    minMs: 2_000,
    /** {@link LearnedFirstTokenOptions.minSamples}: streams of a prompt size before the timer is learned. */
    minSamples: 20,
  },
  /** {@link CooldownOptions.quotaMs}: how long a model out of quota is skipped. */
  quotaCooldownMs: 300_000,
  /** {@link CooldownOptions.maxMs}: the longest cooldown a provider's Retry-After or rate-limit reset can impose. */
  maxCooldownMs: 600_000,
} as const;

/** The default id of a chain entry: `provider:modelId`. */
export function defaultModelId(adapter: ModelAdapter): string {
  return `${adapter.provider}:${adapter.modelId}`;
}

/** Fills in one entry's settings from its own options, then the chain's `defaults`, then the library's. */
export function resolveModelSettings(entry: ModelEntry, defaults: ModelPolicyOptions = {}): ModelSettings {
  const retry = { ...defaults.retry, ...entry.retry };
  const timeout = { ...defaults.timeout, ...entry.timeout };
  const breaker = entry.breaker ?? defaults.breaker;
  const reasoning = entry.model.capabilities?.reasoning === true;
  return {
    id: entry.id ?? defaultModelId(entry.model),
    adapter: entry.model,
    maxAttempts: retry.maxAttempts ?? policyDefaults.maxAttempts,
    initialDelayMs: retry.initialDelayMs ?? policyDefaults.initialDelayMs,
    maxDelayMs: retry.maxDelayMs ?? policyDefaults.maxDelayMs,
    maxRetryAfterMs: retry.maxRetryAfterMs ?? policyDefaults.maxRetryAfterMs,
    attemptMs: timerSetting(timeout.attemptMs ?? policyDefaults.attemptMs),
    firstTokenMs: timerSetting(
      timeout.firstTokenMs ?? (reasoning ? policyDefaults.reasoningFirstTokenMs : policyDefaults.firstTokenMs),
    ),
    idleMs: timerSetting(timeout.idleMs ?? policyDefaults.idleMs),
    breakerCounter: breakerCounterOf(breaker),
    halfOpenAfter: resolveHalfOpen(breaker ? breaker.halfOpenAfterMs : undefined),
    bulkhead: resolveBulkhead(entry.bulkhead ?? defaults.bulkhead),
    quotaCooldownMs: Math.ceil(entry.cooldown?.quotaMs ?? defaults.cooldown?.quotaMs ?? policyDefaults.quotaCooldownMs),
    maxCooldownMs: Math.ceil(entry.cooldown?.maxMs ?? defaults.cooldown?.maxMs ?? policyDefaults.maxCooldownMs),
    actions: { ...defaultFailureActions, ...defaults.onFailure, ...entry.onFailure },
    policy: entry.policy ?? defaults.policy,
    acceptsPrefill: entry.acceptsPrefill ?? defaults.acceptsPrefill ?? false,
    price: entry.price,
    providerOptions: entry.providerOptions,
    // A copy: the caller may change its array after the chain is built.
    answerChecks: Object.freeze([...(entry.answerChecks ?? defaults.answerChecks ?? [])]),
    hedge: resolveHedge(entry.hedge ?? defaults.hedge),
    learnedFirstToken: resolveLearnedFirstToken(timeout.learnFirstToken),
  };
}

function resolveHedge(hedge: HedgeOptions | false | undefined): HedgeDelay | undefined {
  if (!hedge) return undefined;
  if (hedge.afterMs !== "learned") return { type: "fixed", afterMs: Math.ceil(hedge.afterMs) };
  const defaults = policyDefaults.hedge;
  return {
    type: "learned",
    minMs: Math.ceil(hedge.minMs ?? defaults.minMs),
    maxMs: Math.ceil(hedge.maxMs ?? defaults.maxMs),
    minSamples: hedge.minSamples ?? defaults.minSamples,
  };
}

function resolveLearnedFirstToken(option: boolean | LearnedFirstTokenOptions | undefined): LearnedFirstToken | undefined {
  if (!option) return undefined;
  const given = option === true ? {} : option;
  const defaults = policyDefaults.learnFirstToken;
  return {
    multiplier: given.multiplier ?? defaults.multiplier,
    minMs: Math.ceil(given.minMs ?? defaults.minMs),
    minSamples: given.minSamples ?? defaults.minSamples,
  };
}

/** A timer's setting: `Infinity` means no limit, the same as `false`. */
function timerSetting(ms: number | false): number | false {
  return ms === Number.POSITIVE_INFINITY ? false : ms;
}

function breakerCounterOf(breaker: BreakerOptions | undefined): (() => IBreaker) | undefined {
  if (breaker === false) return undefined;
  if (breaker === undefined) return () => new ConsecutiveBreaker(policyDefaults.consecutiveFailures);
  if ("counter" in breaker) return breaker.counter;
  if ("consecutiveFailures" in breaker) return () => new ConsecutiveBreaker(breaker.consecutiveFailures);
  const { failureRate, windowMs, minimumRps } = breaker;
  return () =>
    new SamplingBreaker({
      threshold: failureRate,
      duration: windowMs,
      ...(minimumRps === undefined ? {} : { minimumRps }),
    });
}

/** The half-open interval of a breaker's option: a number is fixed, an object (or nothing) adaptive over the defaults. */
export function resolveHalfOpen(option: HalfOpenAfter | undefined): HalfOpenInterval {
  if (typeof option === "number") {
    const fixed = Math.ceil(option);
    return { initialMs: fixed, maxMs: fixed, multiplier: 1 };
  }
  const defaults = policyDefaults.halfOpenAfterMs;
  return {
    initialMs: Math.ceil(option?.initialMs ?? defaults.initialMs),
    maxMs: Math.ceil(option?.maxMs ?? defaults.maxMs),
    multiplier: option?.multiplier ?? defaults.multiplier,
  };
}

/** How long an open breaker skips its model after `probeFailures` failed probes in a row, in whole ms. */
export function halfOpenIntervalMs(interval: HalfOpenInterval, probeFailures: number): number {
  const grown = interval.initialMs * interval.multiplier ** Math.max(0, probeFailures);
  // `min` first: a long outage makes `grown` Infinity, never NaN (initialMs > 0).
  return Math.ceil(Math.min(interval.maxMs, Math.max(interval.initialMs, grown)));
}

function resolveBulkhead(bulkhead: ModelPolicyOptions["bulkhead"]): ModelSettings["bulkhead"] {
  if (!bulkhead) return undefined;
  return { maxConcurrent: bulkhead.maxConcurrent, maxQueued: bulkhead.maxQueued ?? 0 };
}
