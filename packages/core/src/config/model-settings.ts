import { ConsecutiveBreaker, type IBreaker, type IPolicy, SamplingBreaker } from "cockatiel";
import type { AnswerCheck } from "../checks/answer-check.ts";
import type { ModelErrorKind } from "../errors/model-error.ts";
import type { ProviderOptions } from "../spec/chat-request.ts";
import type { ModelAdapter } from "../spec/model-adapter.ts";
import { defaultFailureActions, type FailureAction } from "./failure-action.ts";
import type { BreakerOptions, ModelEntry, ModelPolicyOptions, ModelPrice } from "./options.ts";

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
  readonly halfOpenAfterMs: number;
  readonly bulkhead: { readonly maxConcurrent: number; readonly maxQueued: number } | undefined;
  readonly quotaCooldownMs: number;
  readonly maxCooldownMs: number;
  readonly actions: Readonly<Record<ModelErrorKind, FailureAction>>;
  readonly policy: IPolicy | undefined;
  readonly acceptsPrefill: boolean;
  readonly price: ModelPrice | undefined;
  readonly providerOptions: ProviderOptions | undefined;
  readonly answerChecks: readonly AnswerCheck[];
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
  /** {@link ConsecutiveBreakerOptions.halfOpenAfterMs}: how long an open breaker skips its model. */
  halfOpenAfterMs: 30_000,
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
    halfOpenAfterMs: Math.ceil((breaker ? breaker.halfOpenAfterMs : undefined) ?? policyDefaults.halfOpenAfterMs),
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

function resolveBulkhead(bulkhead: ModelPolicyOptions["bulkhead"]): ModelSettings["bulkhead"] {
  if (!bulkhead) return undefined;
  return { maxConcurrent: bulkhead.maxConcurrent, maxQueued: bulkhead.maxQueued ?? 0 };
}
