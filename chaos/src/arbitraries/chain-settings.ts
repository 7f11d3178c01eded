import {
  type HalfOpenAfter,
  type HedgeOptions,
  type HedgingOptions,
  type LearnedFirstTokenOptions,
  type MidStreamMode,
  type ModelErrorKind,
  modelErrorKinds,
  type WhenAllUnavailable,
} from "@understudy/core";
import fc from "fast-check";

/** Valid policy settings of one model, with short timers (the chaos is in what the models and callers do). */
export interface ModelPolicy {
  readonly retry: {
    readonly maxAttempts: number;
    readonly initialDelayMs: number;
    readonly maxDelayMs: number;
    readonly maxRetryAfterMs: number;
  };
  readonly timeout: {
    readonly attemptMs: number | false;
    readonly firstTokenMs: number | false;
    readonly idleMs: number | false;
    /** A learned first-token timer, with a floor and sample count small enough to engage within a run. */
    readonly learnFirstToken?: boolean | LearnedFirstTokenOptions;
  };
  readonly breaker:
    | false
    | { readonly consecutiveFailures: number; readonly halfOpenAfterMs: HalfOpenAfter }
    | {
        readonly failureRate: number;
        readonly windowMs: number;
        readonly minimumRps: number;
        readonly halfOpenAfterMs: HalfOpenAfter;
      };
  readonly bulkhead?: { readonly maxConcurrent: number; readonly maxQueued: number };
  readonly cooldown: { readonly quotaMs: number };
  readonly onFailure: Partial<Record<ModelErrorKind, "retry" | "fallback" | "surface">>;
  readonly acceptsPrefill: boolean;
  /** Hedged requests from this model to the next (absent: none). */
  readonly hedge?: HedgeOptions;
}

/** Chain-wide settings. */
export interface ChainPolicy {
  readonly deadlineMs: number | undefined;
  readonly midStream: MidStreamMode;
  readonly whenAllUnavailable: WhenAllUnavailable;
  /** The chain's hedge budget (absent: the defaults, when a model hedges). */
  readonly hedging?: HedgingOptions;
}

/** The timing scale of a property: fake time can afford seconds, real HTTP runs want tens of ms. */
export interface TimeScale {
  /** Shortest and longest timer, in ms. */
  readonly timer: readonly [number, number];
  /** Longest backoff delay and longest Retry-After waited out, in ms. */
  readonly maxDelay: number;
  /** Shortest and longest deadline, in ms. */
  readonly deadline: readonly [number, number];
  /** Whether a timer may be off (`false`, `Infinity`): only when the call has a deadline. */
  readonly timersMayBeOff: boolean;
  /** Shortest and longest hedge delay (fixed, or the bounds of a learned one), in ms: short, so hedges happen. */
  readonly hedgeAfter: readonly [number, number];
  /** Shortest and longest floor (`minMs`) of a learned first-token timer, in ms: low, so the learned timer bites. */
  readonly learnedFloor: readonly [number, number];
}

/** Seconds of fake time. */
export const fakeTimeScale: TimeScale = {
  timer: [50, 3_000],
  maxDelay: 2_000,
  deadline: [100, 15_000],
  timersMayBeOff: true,
  hedgeAfter: [10, 1_500],
  learnedFloor: [5, 400],
};

const kinds = modelErrorKinds.filter((kind) => kind !== "aborted");

/** A fixed half-open interval, or an adaptive one (some fields left to their defaults, a cap at least the start). */
const halfOpenAfter: fc.Arbitrary<HalfOpenAfter> = fc.oneof(
  fc.integer({ min: 50, max: 5_000 }),
  fc
    .record({
      initialMs: fc.integer({ min: 50, max: 2_000 }),
      extraMs: fc.integer({ min: 0, max: 5_000 }),
      multiplier: fc.option(fc.double({ min: 1, max: 4, noNaN: true }), { nil: undefined }),
    })
    .map(({ initialMs, extraMs, multiplier }) => ({
      initialMs,
      maxMs: initialMs + extraMs,
      ...(multiplier === undefined ? {} : { multiplier }),
    })),
);

function timer(scale: TimeScale, mayBeOff: boolean): fc.Arbitrary<number | false> {
  const on = fc.integer({ min: scale.timer[0], max: scale.timer[1] });
  if (!mayBeOff) return on;
  return fc.oneof(
    { weight: 6, arbitrary: on },
    { weight: 1, arbitrary: fc.constant(false as const) },
    { weight: 1, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
  );
}

/**
 * A hedge, or none (most often none): a fixed delay within the scale's
 * range, or a learned one whose bounds are in that range and whose sample
 * count (1–4) is reached within a run, so the learned delay is used.
 */
export function hedgeOption(scale: TimeScale): fc.Arbitrary<HedgeOptions | undefined> {
  const [low, high] = scale.hedgeAfter;
  const fixed = fc.integer({ min: low, max: high }).map((afterMs): HedgeOptions => ({ afterMs }));
  const learned = fc
    .record({
      minMs: fc.integer({ min: low, max: Math.max(low, Math.floor(high / 3)) }),
      extraMs: fc.integer({ min: 0, max: high }),
      minSamples: fc.integer({ min: 1, max: 4 }),
    })
    .map(({ minMs, extraMs, minSamples }): HedgeOptions => ({ afterMs: "learned", minMs, maxMs: minMs + extraMs, minSamples }));
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fixed },
    { weight: 2, arbitrary: learned },
  );
}

/** A learned first-token timer, or none: a low floor and 1–3 samples, so that it takes over within a run. */
export function learnFirstTokenOption(scale: TimeScale): fc.Arbitrary<boolean | LearnedFirstTokenOptions | undefined> {
  const [low, high] = scale.learnedFloor;
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(false) },
    {
      weight: 4,
      arbitrary: fc.record(
        {
          multiplier: fc.oneof(fc.constant(1), fc.double({ min: 1, max: 4, noNaN: true })),
          minMs: fc.integer({ min: low, max: high }),
          minSamples: fc.integer({ min: 1, max: 3 }),
        },
        { requiredKeys: ["minMs", "minSamples"] },
      ),
    },
  );
}

/** A chain's hedge budget, or none (the defaults): shares from none to every request, small bursts, 1–3 per request. */
export const hedgingOption: fc.Arbitrary<HedgingOptions | undefined> = fc.option(
  fc.record(
    {
      maxShare: fc.oneof(fc.constantFrom(0, 1, 0.1), fc.double({ min: 0, max: 1, noNaN: true })),
      burst: fc.integer({ min: 1, max: 4 }),
      maxPerRequest: fc.integer({ min: 1, max: 3 }),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined, freq: 3 },
);

/** Drops the keys whose value is `undefined` (an option left out, not set to `undefined`). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** One model's policy; timers may be off only when `withDeadline`. */
export function modelPolicy(scale: TimeScale, withDeadline: boolean): fc.Arbitrary<ModelPolicy> {
  const off = withDeadline && scale.timersMayBeOff;
  const base = fc.record({
    retry: fc.record({
      maxAttempts: fc.integer({ min: 1, max: 3 }),
      initialDelayMs: fc.integer({ min: 0, max: Math.min(200, scale.maxDelay) }),
      maxDelayMs: fc.integer({ min: 0, max: scale.maxDelay }),
      maxRetryAfterMs: fc.integer({ min: 0, max: scale.maxDelay }),
    }),
    timeout: fc
      .record({
        attemptMs: timer(scale, off),
        firstTokenMs: timer(scale, off),
        idleMs: timer(scale, off),
        learnFirstToken: learnFirstTokenOption(scale),
      })
      .map(defined),
    breaker: fc.oneof(
      fc.constant(false as const),
      fc.record({ consecutiveFailures: fc.integer({ min: 1, max: 3 }), halfOpenAfterMs: halfOpenAfter }),
      fc.record({
        failureRate: fc.double({ min: 0.1, max: 0.9, noNaN: true }),
        windowMs: fc.integer({ min: 100, max: 10_000 }),
        minimumRps: fc.double({ min: 0.01, max: 2, noNaN: true }),
        halfOpenAfterMs: halfOpenAfter,
      }),
    ),
    bulkhead: fc.option(fc.record({ maxConcurrent: fc.integer({ min: 1, max: 2 }), maxQueued: fc.integer({ min: 0, max: 2 }) }), {
      nil: undefined,
    }),
    cooldown: fc.record({ quotaMs: fc.integer({ min: 50, max: 60_000 }) }),
    onFailure: fc.dictionary(
      fc.constantFrom(...kinds),
      fc.constantFrom("retry" as const, "fallback" as const, "surface" as const),
      { maxKeys: 2 },
    ),
    acceptsPrefill: fc.boolean(),
    hedge: hedgeOption(scale),
  });
  return base.map(defined);
}

/** Chain-wide settings; the deadline is given (it decides whether timers may be off). */
export function chainPolicy(deadlineMs: number | undefined): fc.Arbitrary<ChainPolicy> {
  return fc
    .record({
      deadlineMs: fc.constant(deadlineMs),
      midStream: fc.constantFrom("error" as const, "restart" as const, "continue" as const),
      whenAllUnavailable: fc.constantFrom("try-nearest" as const, "fail" as const),
      hedging: hedgingOption,
    })
    .map((policy) => ({ ...defined(policy), deadlineMs: policy.deadlineMs }));
}

/** A deadline, or none. */
export function deadline(scale: TimeScale): fc.Arbitrary<number | undefined> {
  return fc.option(fc.integer({ min: scale.deadline[0], max: scale.deadline[1] }), { nil: undefined, freq: 3 });
}

/**
 * The longest one call may take on a model under `policy` with no deadline:
 * every attempt running to its timer and every wait to its longest, `parts`
 * being the most parts a stream attempt yields.
 */
export function worstCaseMs(policy: ModelPolicy, method: "generate" | "stream", parts: number): number {
  const { attemptMs, firstTokenMs, idleMs } = policy.timeout;
  const finite = (ms: number | false): number => (ms === false || !Number.isFinite(ms) ? Number.POSITIVE_INFINITY : ms);
  const attempt = method === "generate" ? finite(attemptMs) : finite(firstTokenMs) + finite(idleMs) * (parts + 1);
  const wait = Math.max(policy.retry.maxDelayMs, policy.retry.maxRetryAfterMs);
  return policy.retry.maxAttempts * (attempt + wait);
}
