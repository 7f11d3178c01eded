import type { ModelError } from "../errors/model-error.ts";
import type { HedgeRefusal } from "../events/fallback-events.ts";
import type { FallbackStreamPart } from "../spec/stream-part.ts";
import { capabilityMismatch } from "./capability-fit.ts";
import { HedgeRace } from "./hedge-race.ts";
import { hedgeDelayMs } from "./learned-timers.ts";
import type { ModelSlot } from "./model-slot.ts";
import type { RequestRun } from "./request-run.ts";
import { type AttemptCall, type AttemptOutcome, type PerformAttempt, runAttempt } from "./run-attempt.ts";

/**
 * How a (possibly hedged) call to a model ended:
 * `own` — the model's own outcome (no hedge, or a hedge that lost or
 * failed; `failedHedge` then holds the hedge's failure);
 * `handover` — the hedge carries the request on: it delivered first, or
 * the model failed while it ran (announced through `HedgeRules.left` as it
 * happened). `outcome` is then the hedge's.
 */
export type HedgedOutcome =
  | {
      readonly type: "own";
      readonly outcome: AttemptOutcome;
      readonly failedHedge?: { readonly slot: ModelSlot; readonly error: ModelError };
    }
  | {
      readonly type: "handover";
      readonly to: ModelSlot;
      readonly outcome: AttemptOutcome;
    };

type Step = IteratorResult<FallbackStreamPart, AttemptOutcome>;

/** One call of a race: its generator and the step it is working on. */
interface Runner {
  readonly slot: ModelSlot;
  readonly generator: AsyncGenerator<FallbackStreamPart, AttemptOutcome, undefined>;
  pending: Promise<Step>;
}

/**
 * Makes one call to `slot` and, when the model hedges and has not delivered
 * (first content of a stream, a `generate`'s answer) after its hedge delay,
 * starts the next model of the request's chain beside it. The first to
 * deliver wins and the other is aborted at once; from there the winner's
 * stream goes on alone, under the usual mid-stream rules.
 */
export async function* attemptWithHedge(
  run: RequestRun,
  slot: ModelSlot,
  call: AttemptCall,
  plan: HedgePlan,
  perform: PerformAttempt,
  rules: HedgeRules,
): AsyncGenerator<FallbackStreamPart, HedgedOutcome, undefined> {
  const race = new HedgeRace();
  const own = start(run, slot, { ...call, race }, perform);
  const wait = hedgeTimer(plan.afterMs);
  try {
    const first = await Promise.race([own.pending, wait.fired]);
    // Delivered (or ended) before the delay: no hedge, and no timer left to hold the process.
    if (first !== hedgeTimerFired) wait.cancel();
    if (first === hedgeTimerFired && !race.decided) {
      const refusal = hedgeRefusal(run, plan.target);
      if (refusal === undefined) {
        const index = run.startHedge(slot, plan.target, plan.afterMs);
        const call = { attempt: 1, waitedMs: 0, lease: undefined, ignoresHealth: false, race, hedge: true };
        return yield* duel(run, race, own, start(run, plan.target, call, perform), index, rules);
      }
      run.refuseHedge(slot, plan.target, plan.afterMs, refusal);
    }
    return { type: "own", outcome: yield* carryOn(own, await own.pending) };
  } finally {
    wait.cancel();
  }
}

/** What the walk decides for a race: which failures end the request, and what a switch to the hedge does. */
export interface HedgeRules {
  /** Whether a failure of the slow model ends the request (it surfaces, or the caller stopped it). */
  surfaces(error: ModelError): boolean;
  /** The slow model failed while the hedge runs: the switch to the hedge, announced at once. */
  left(error: ModelError): void;
}

/** Which model a call may hedge to, and after how long. */
export interface HedgePlan {
  /** The next model of the request's chain. */
  readonly target: ModelSlot;
  /** The hedge delay, in ms. */
  readonly afterMs: number;
}

/**
 * Whether and when this call may hedge: the model hedges, nothing was shown
 * yet, the request has hedges left, and a next model exists. `undefined`
 * for most calls, which then run without the race's machinery.
 */
export function hedgePlan(run: RequestRun, slot: ModelSlot, call: AttemptCall): HedgePlan | undefined {
  const { hedging, slots, method } = run.settings;
  if (!hedging || !slot.settings.hedge) return undefined;
  // A probe runs alone on its full timers; a retry, a forced call and a stream that showed content follow their own rules.
  if (call.attempt !== 1 || call.lease || call.ignoresHealth) return undefined;
  // A call that would queue for its bulkhead is not hedged: the race starts when a call is made, not while it waits.
  if (slot.bulkhead && !slot.bulkhead.hasFreeSlot) return undefined;
  if (run.progress.hasShownContent || run.progress.hasPendingCut) return undefined;
  if (run.hedges.length >= hedging.maxPerRequest) return undefined;
  const target = slots[slots.indexOf(slot) + 1];
  if (!target) return undefined;
  const afterMs = hedgeDelayMs(slot, method === "stream" ? "firstContent" : "answer", slot.learnsLatency ? run.inputTokens : 0);
  return afterMs === undefined ? undefined : { target, afterMs };
}

/**
 * Why the hedge may not go to `target` now, or `undefined` when it may: it
 * fits the request, its breaker is closed and it is not cooling down (a
 * hedge is never a probe, and never goes to a model whose probe is in
 * flight), its bulkhead has a free slot, and the chain's budget holds a
 * hedge — spent only when all the rest allow it.
 */
function hedgeRefusal(run: RequestRun, target: ModelSlot): HedgeRefusal | undefined {
  if (capabilityMismatch(run.request, target.settings.adapter.capabilities, run.minContextWindow)) return "unsupported";
  const availability = target.health.check(Date.now());
  if (!availability.available || availability.probe) return "unavailable";
  if (target.bulkhead && !target.bulkhead.hasFreeSlot) return "bulkhead_full";
  return run.settings.hedging?.budget.trySpend() === true ? undefined : "budget";
}

/**
 * Runs the two calls side by side until one delivers. A call that fails
 * before delivering leaves the other to go on alone: the hedge's failure is
 * kept for the walk to take up when it reaches that model; the slow model's
 * hands the request over to the hedge — unless its failure surfaces (the
 * request itself is at fault), which calls the race off.
 */
async function* duel(
  run: RequestRun,
  race: HedgeRace,
  own: Runner,
  hedge: Runner,
  index: number,
  rules: HedgeRules,
): AsyncGenerator<FallbackStreamPart, HedgedOutcome, undefined> {
  let ended = false;
  const end = (winner: string | undefined): void => {
    ended = true;
    run.endHedge(index, winner);
  };
  try {
    let { runner, step } = await Promise.race([own, hedge].map(async (r) => ({ runner: r, step: await r.pending })));
    let other = runner === own ? hedge : own;
    if (race.winner === other.slot.id) {
      // `runner` settled as the loser of a claim made in the same tick: the winner's step comes next.
      [runner, other] = [other, runner];
      step = await runner.pending;
    }
    if (race.winner === runner.slot.id) {
      // It delivered and claimed the race, which aborted the other: let that one record its end first.
      await settle(other);
      end(runner.slot.id);
      const outcome = yield* carryOn(runner, step);
      return runner === own ? { type: "own", outcome } : { type: "handover", to: hedge.slot, outcome };
    }
    // `runner` ended without delivering: the other goes on alone.
    const failed = step.done && step.value.type === "failed" ? step.value.error : undefined;
    if (runner === hedge) {
      const next = await own.pending;
      end(race.winner);
      const outcome = yield* carryOn(own, next);
      return failed ? { type: "own", outcome, failedHedge: { slot: hedge.slot, error: failed } } : { type: "own", outcome };
    }
    if (failed && (rules.surfaces(failed) || run.scope.cause)) {
      race.callOff();
      await settle(hedge);
      end(undefined);
      return { type: "own", outcome: (step as IteratorReturnResult<AttemptOutcome>).value };
    }
    if (failed) rules.left(failed);
    const next = await hedge.pending;
    end(race.winner);
    const outcome = yield* carryOn(hedge, next);
    return { type: "handover", to: hedge.slot, outcome };
  } finally {
    if (!ended) {
      // Something threw before the race was decided: neither call is left running, and the hedge is closed on record.
      race.callOff();
      await Promise.all([settleQuietly(own), settleQuietly(hedge)]);
      run.endHedge(index, race.winner);
    }
  }
}

async function settleQuietly(runner: Runner): Promise<void> {
  try {
    await settle(runner);
  } catch {
    // Its failure is the one being thrown, or it ended on the abort: nothing to add.
  }
}

function start(run: RequestRun, slot: ModelSlot, call: AttemptCall, perform: PerformAttempt): Runner {
  const generator = runAttempt(run, slot, call, perform);
  return { slot, generator, pending: generator.next() };
}

/**
 * Hands a call's parts on to the caller from `step` to its end. A caller
 * that stops reading returns this generator, and so the call's: it ends as
 * cancelled, as any abandoned stream does.
 */
async function* carryOn(runner: Runner, first: Step): AsyncGenerator<FallbackStreamPart, AttemptOutcome, undefined> {
  let step = first;
  try {
    while (!step.done) {
      yield step.value;
      runner.pending = runner.generator.next();
      step = await runner.pending;
    }
    return step.value;
  } finally {
    if (!step.done) await runner.generator.return(undefined as never);
  }
}

/** Waits for an aborted call to record its end; it cannot deliver any more (the race is decided). */
async function settle(runner: Runner): Promise<void> {
  const step = await runner.pending;
  if (!step.done) await runner.generator.return(undefined as never);
}

const hedgeTimerFired = Symbol("hedge timer fired");

/** The hedge delay as a promise, with a cancel that leaves no timer behind. */
function hedgeTimer(ms: number): { fired: Promise<typeof hedgeTimerFired>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fired = new Promise<typeof hedgeTimerFired>((resolve) => {
    timer = setTimeout(() => resolve(hedgeTimerFired), ms);
  });
  return { fired, cancel: () => clearTimeout(timer) };
}
