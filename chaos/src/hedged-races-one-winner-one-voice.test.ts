// Hedged races on scripted chains, drawn to collide: every model hedges
// (fixed or learned delays) and most learn their first-token timer, and the
// models' delays come from the same few values as the hedge delays, so that
// calls deliver in the very tick a hedge starts, both calls of a race deliver
// in one tick, a loser ignores its abort, the hedge's model is open, cooling
// down, probing or its bulkhead full, and small budgets run out under 3–12
// overlapping calls. Besides every invariant of the scripted property: one
// winner per hedge, from or to; the hedge's call marked; the loser cancelled,
// neutral for its breaker, and never heard; at most maxPerRequest hedges a
// request, and burst + maxShare × requests over any run of requests.
import type { AnswerCheck, HedgeOptions, HedgingOptions, LearnedFirstTokenOptions } from "@understudy/core";
import type { ScriptStep } from "@understudy/testing";
import fc from "fast-check";
import { expect, it } from "vitest";
import { callerBehaviour } from "./arbitraries/caller.ts";
import { chainPolicy, deadline, fakeTimeScale, type ModelPolicy, modelPolicy } from "./arbitraries/chain-settings.ts";
import { answerText, scriptStep } from "./arbitraries/scripted-step.ts";
import { emptyHedgeStats, reportHedgeStats } from "./harness/hedge-invariants.ts";
import { type PropertyBudget, propertyParameters, propertyTestTimeout } from "./harness/property-settings.ts";
import { type CallSpec, type ModelPlan, type RunPlan, runScripted } from "./harness/scripted-run.ts";

const budget: PropertyBudget = { runs: 300, ciRuns: 120, timeLimitMs: 8_000 };
/** How much hedging the runs saw (printed with `CHAOS_STATS=1`). */
const totals = emptyHedgeStats();
let runs = 0;

/** The few delays everything is drawn from, so that timers and answers meet in the same tick. */
const tick = fc.constantFrom(0, 5, 10, 20, 50, 100, 200);
const positiveTick = fc.constantFrom(5, 10, 20, 50, 100, 200);

/** A healthy answer at a colliding delay, or any scripted step (failures, cuts, stalls, deaf adapters) moved onto the ticks. */
const racingStep: fc.Arbitrary<ScriptStep> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({ text: answerText, delayMs: tick, chunkDelayMs: tick, chunks: fc.integer({ min: 1, max: 3 }) })
      .map((step): ScriptStep => step),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(scriptStep, tick, fc.option(tick, { nil: undefined })).map(
      ([step, delayMs, chunkDelayMs]): ScriptStep => ({
        ...step,
        delayMs,
        ...(chunkDelayMs === undefined ? {} : { chunkDelayMs }),
      }),
    ),
  },
);

const hedge: fc.Arbitrary<HedgeOptions> = fc.oneof(
  { weight: 3, arbitrary: positiveTick.map((afterMs): HedgeOptions => ({ afterMs })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ minMs: positiveTick, extraMs: tick, minSamples: fc.integer({ min: 1, max: 3 }) })
      .map(({ minMs, extraMs, minSamples }): HedgeOptions => ({ afterMs: "learned", minMs, maxMs: minMs + extraMs, minSamples })),
  },
);

const learnFirstToken: fc.Arbitrary<LearnedFirstTokenOptions | undefined> = fc.option(
  fc.record({
    multiplier: fc.oneof(fc.constant(1), fc.double({ min: 1, max: 2, noNaN: true })),
    minMs: positiveTick,
    minSamples: fc.integer({ min: 1, max: 3 }),
  }),
  { nil: undefined, freq: 4 },
);

/** A check some answers fail (those with "moon" in them): a hedge's call claims the race only with an answer that passes. */
const noMoon: AnswerCheck = {
  name: "no-moon",
  check: (answer) => (answer.text.includes("moon") ? "mentions the moon" : undefined),
};

const hedging: fc.Arbitrary<HedgingOptions> = fc.record({
  maxShare: fc.oneof(fc.constantFrom(0, 0.1, 0.25, 1), fc.double({ min: 0, max: 1, noNaN: true })),
  burst: fc.integer({ min: 1, max: 3 }),
  maxPerRequest: fc.integer({ min: 1, max: 3 }),
});

/** A model of the usual random policy, made to hedge (most of the time), learn its first-token timer and often queue. */
function racingPolicy(withDeadline: boolean): fc.Arbitrary<ModelPolicy> {
  return fc
    .tuple(
      modelPolicy(fakeTimeScale, withDeadline),
      fc.option(hedge, { nil: undefined, freq: 6 }),
      learnFirstToken,
      fc.option(fc.record({ maxConcurrent: fc.integer({ min: 1, max: 2 }), maxQueued: fc.integer({ min: 0, max: 2 }) }), {
        nil: undefined,
        freq: 2,
      }),
    )
    .map(([policy, hedgeOption, learn, bulkhead]) => {
      const { hedge: _hedge, bulkhead: _bulkhead, ...rest } = policy;
      const { learnFirstToken: _learn, ...timeout } = policy.timeout;
      return {
        ...rest,
        timeout: learn === undefined ? timeout : { ...timeout, learnFirstToken: learn },
        ...(hedgeOption === undefined ? {} : { hedge: hedgeOption }),
        ...(bulkhead === undefined ? {} : { bulkhead }),
      };
    });
}

/** A call; with `models`, on some of the chain's models (the hedge then goes to the next of those). */
const callSpec = (models: number): fc.Arbitrary<CallSpec> =>
  fc.constantFrom("generate" as const, "stream" as const).chain((method) =>
    fc.record({
      method: fc.constant(method),
      caller: callerBehaviour(method, 400),
      startAtMs: fc.oneof(tick, fc.integer({ min: 0, max: 400 })),
      pauseMs: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: positiveTick }),
      options: fc.option(
        fc.oneof(
          fc.constantFrom("error" as const, "restart" as const, "continue" as const).map((midStream) => ({ midStream })),
          fc.integer({ min: 20, max: 1_000 }).map((deadlineMs) => ({ deadlineMs })),
          fc.constant({ answerChecks: [noMoon], bufferAnswers: true }),
          fc
            .subarray(
              Array.from({ length: models }, (_, i) => `scripted:m${i}`),
              { minLength: 1 },
            )
            .map((ids) => ({ models: ids })),
        ),
        { nil: undefined, freq: 3 },
      ),
      needs: fc.record({ tools: fc.boolean(), json: fc.constant(false) }),
    }),
  );

const runPlan: fc.Arbitrary<RunPlan> = fc
  .tuple(deadline(fakeTimeScale), fc.integer({ min: 2, max: 4 }))
  .chain(([deadlineMs, size]) =>
    fc.record({
      chain: fc
        .tuple(chainPolicy(deadlineMs), fc.option(hedging, { nil: undefined, freq: 5 }))
        .map(([chain, budget]) => ({ ...chain, ...(budget === undefined ? {} : { hedging: budget }) })),
      models: fc.array(
        fc.record({
          policy: racingPolicy(deadlineMs !== undefined),
          steps: fc.array(racingStep, { maxLength: 6 }),
          otherwise: fc.oneof(
            { weight: 2, arbitrary: tick.map((delayMs): ScriptStep => ({ delayMs })) },
            { weight: 1, arbitrary: racingStep },
          ),
          capabilities: fc.oneof(
            { weight: 4, arbitrary: fc.constant<ModelPlan["capabilities"]>({}) },
            { weight: 1, arbitrary: fc.constant<ModelPlan["capabilities"]>({ tools: false }) },
            { weight: 1, arbitrary: fc.constant<ModelPlan["capabilities"]>({ prefill: false }) },
          ),
        }),
        { minLength: size, maxLength: size },
      ),
      calls: fc.array(callSpec(size), { minLength: 3, maxLength: 12 }),
      listeners: fc.constantFrom("none" as const, "none" as const, "none" as const, "throwing" as const, "rejecting" as const),
      asyncProbe: fc.boolean(),
      operator: fc.array(
        fc.record({
          atMs: fc.integer({ min: 0, max: 600 }),
          action: fc.constantFrom("isolate" as const, "reset" as const),
          model: fc.nat(3),
        }),
        { maxLength: 2 },
      ),
    }),
  );

it(
  "hedged races: one winner, the loser cancelled and unheard, the hedge budget and maxPerRequest kept, everything of the scripted property",
  async () => {
    const property = fc.asyncProperty(runPlan, async (plan) => {
      runs++;
      await runScripted(plan, totals);
    });
    await fc.assert(property, propertyParameters(budget));
    reportHedgeStats("hedged races", runs, totals);
    expect(true).toBe(true);
  },
  propertyTestTimeout(budget),
);
