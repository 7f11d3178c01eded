import type { IBackoff } from "cockatiel";
import { boundedDelayMs } from "../adapter-kit/retry-after.ts";
import type { FailureAction } from "../config/failure-action.ts";
import { countsAgainstHealth, type ModelError } from "../errors/model-error.ts";
import { StreamInterruptedError } from "../errors/stream-interrupted-error.ts";
import type { HealthSkipReason } from "../health/model-health.ts";
import type { ProbeLease } from "../health/probe-lease.ts";
import { abortableDelay } from "../policies/abortable-delay.ts";
import type { FallbackStreamPart } from "../spec/stream-part.ts";
import { capabilityMismatch } from "./capability-fit.ts";
import type { FallbackResult } from "./fallback-result.ts";
import { attemptWithHedge, type HedgedOutcome, hedgePlan } from "./hedged-attempt.ts";
import type { ModelSlot } from "./model-slot.ts";
import type { RequestRun } from "./request-run.ts";
import { type AttemptOutcome, type PerformAttempt, runAttempt } from "./run-attempt.ts";

/** A failed attempt, with the delay its provider asked for (sanitised, not yet capped). */
interface Failure {
  readonly error: ModelError;
  readonly askedMs: number | undefined;
  /** A hedge's failure, whose cooldown was applied when it happened. */
  readonly hedged?: boolean;
}

/** A failure with the delay its provider asked for: the figure again, sanitised whatever adapter passed it on; capped where it is used. */
function failureOf(error: ModelError, hedged: boolean): Failure {
  return { error, askedMs: error.retryAfterMs === undefined ? undefined : boundedDelayMs(error.retryAfterMs), hedged };
}

type ModelOutcome =
  | { readonly type: "answered"; readonly result: FallbackResult }
  | { readonly type: "failed" }
  | { readonly type: "unfit" }
  | { readonly type: "unavailable"; readonly until: number; readonly reason: HealthSkipReason };

/**
 * Walks the request's chain in order until a model answers. Each request walks
 * on its own: the only state shared with other requests is each model's
 * health (breaker, cooldown) and bulkhead.
 */
export async function* walkChain(
  run: RequestRun,
  perform: PerformAttempt,
): AsyncGenerator<FallbackStreamPart, FallbackResult, undefined> {
  const unavailable: Candidate[] = [];
  for (const slot of run.settings.slots) {
    // A request already stopped ends as stopped, however the models stand.
    if (run.scope.cause) throw run.stopped();
    const outcome = yield* tryModel(run, slot, perform, false);
    if (outcome.type === "answered") return outcome.result;
    if (outcome.type === "unavailable") unavailable.push({ slot, until: outcome.until, reason: outcome.reason });
  }
  if (!run.calledAny && unavailable.length > 0) {
    if (run.scope.cause) throw run.stopped();
    if (run.settings.whenAllUnavailable === "fail") throw run.exhausted("all_unavailable");
    const nearest = nearestToRecovery(unavailable);
    if (nearest) {
      const outcome = yield* tryModel(run, nearest, perform, true);
      if (outcome.type === "answered") return outcome.result;
    }
  }
  if (run.scope.cause) throw run.stopped();
  throw run.exhausted(run.calledAny ? "all_failed" : unavailable.length > 0 ? "all_unavailable" : "none_fit");
}

interface Candidate {
  readonly slot: ModelSlot;
  readonly until: number;
  readonly reason: HealthSkipReason;
}

/**
 * The model whose breaker or cooldown ends first; never an isolated one, and
 * never one whose half-open probe is in flight: that call is the probe's to
 * make, and a second one would load a model that is only being tried.
 */
function nearestToRecovery(candidates: readonly Candidate[]): ModelSlot | undefined {
  let best: Candidate | undefined;
  for (const candidate of candidates) {
    if (candidate.reason === "isolated" || candidate.reason === "half_open_probe_in_flight") continue;
    if (Number.isFinite(candidate.until) && (!best || candidate.until < best.until)) best = candidate;
  }
  return best?.slot;
}

/**
 * Calls one model until it answers, fails in a way that moves on, or runs
 * out of attempts. `forced` skips the health check (the all-unavailable rule).
 */
async function* tryModel(
  run: RequestRun,
  slot: ModelSlot,
  perform: PerformAttempt,
  forced: boolean,
): AsyncGenerator<FallbackStreamPart, ModelOutcome, undefined> {
  // A hedge's failure on this model is its first attempt, taken up whatever the model's health
  // or fit is now (its own failure may have opened its breaker): a cut or a switch is never lost.
  if (run.hasHedgeFailure(slot)) return yield* callModel(run, slot, perform, undefined, false);
  const unfit = capabilityMismatch(run.request, slot.settings.adapter.capabilities, run.minContextWindow);
  if (unfit) {
    run.recordSkip(slot, "unsupported", undefined, unfit);
    return { type: "unfit" };
  }
  let lease: ProbeLease | undefined;
  if (!forced) {
    const availability = slot.health.check(Date.now());
    if (!availability.available) {
      run.recordSkip(slot, availability.reason, availability.until);
      return { type: "unavailable", until: availability.until, reason: availability.reason };
    }
    if (availability.probe) {
      lease = await slot.health.beginProbe(Date.now(), run.requestId);
      if (!lease) {
        run.recordSkip(slot, "half_open_probe_in_flight");
        return { type: "unavailable", until: Date.now(), reason: "half_open_probe_in_flight" };
      }
    }
  }
  try {
    return yield* callModel(run, slot, perform, lease, forced);
  } finally {
    // A probe that made no call (full bulkhead, abort, deadline) goes back at once.
    lease?.release();
  }
}

/**
 * The attempts on one model that may be called: the first, then retries
 * while the failure kind allows. A hedge's failure on this model, made while
 * an earlier model ran, counts as its first attempt.
 */
async function* callModel(
  run: RequestRun,
  slot: ModelSlot,
  perform: PerformAttempt,
  lease: ProbeLease | undefined,
  forced: boolean,
): AsyncGenerator<FallbackStreamPart, ModelOutcome, undefined> {
  let backoff: IBackoff<unknown> | undefined;
  let waitedMs = 0;
  let last: Failure | undefined;
  let hedgeFailure = run.takeHedgeFailure(slot);
  for (let attempt = 1; ; attempt++) {
    let error: ModelError;
    let hedged = false;
    if (hedgeFailure) {
      error = hedgeFailure;
      hedgeFailure = undefined;
      hedged = true;
      // Its call went out beside an earlier model, which has failed since: the switch to it is announced now.
      run.enter(slot);
    } else {
      if (run.scope.cause) throw run.stopped();
      const call = { attempt, waitedMs, lease: attempt === 1 ? lease : undefined, ignoresHealth: forced };
      const plan = hedgePlan(run, slot, call);
      let outcome: AttemptOutcome;
      if (plan) {
        const rules = {
          surfaces: (failure: ModelError) => surfaces(slot, failure),
          left: (failure: ModelError) => leftForHedge(run, slot, plan.target, failure),
        };
        const raced = yield* attemptWithHedge(run, slot, call, plan, perform, rules);
        if (raced.type === "handover") return handOver(run, raced);
        if (raced.failedHedge) noteHedgeFailure(run, raced.failedHedge.slot, raced.failedHedge.error);
        outcome = raced.outcome;
      } else {
        outcome = yield* runAttempt(run, slot, call, perform);
      }
      if (outcome.type === "answered") return { type: "answered", result: run.succeed(slot, outcome.response) };
      if (outcome.type === "bulkhead_full") {
        run.recordSkip(slot, "bulkhead_full");
        // A retry refused for a full bulkhead still leaves the model after its failure.
        if (last) leaveAfter(run, slot, last);
        return { type: "unfit" };
      }
      if (outcome.type === "unavailable") {
        run.recordSkip(slot, outcome.reason, outcome.until);
        if (last) leaveAfter(run, slot, last);
        return outcome;
      }
      error = outcome.error;
    }
    const failure = failureOf(error, hedged);
    last = failure;
    if (run.scope.cause || error.kind === "aborted") throw run.stopped();
    const action = slot.settings.actions[error.kind];
    if (run.progress.hasShownContent) noteCutAfterContent(run, slot, error, action);
    if (action === "surface") throw error;
    if (error.kind === "context_length") {
      run.noteContextTooLong(slot.settings.adapter.capabilities?.contextWindow ?? 0);
    }
    backoff = action === "retry" ? (backoff ? backoff.next(undefined) : slot.backoff.next()) : undefined;
    const delay = backoff && retryDelay(run, slot, failure, attempt, backoff.duration);
    if (delay === undefined) {
      leaveAfter(run, slot, failure);
      return { type: "failed" };
    }
    run.settings.emitter.emit("retry", {
      requestId: run.requestId,
      model: slot.id,
      attempt: attempt + 1,
      delayMs: delay,
      reason: error.kind,
      ...(failure.askedMs === undefined ? {} : { retryAfterMs: failure.askedMs }),
    });
    try {
      await abortableDelay(delay, run.scope.signal);
    } catch {
      throw run.stopped();
    }
    waitedMs = delay;
  }
}

/** Whether a failure of `slot` ends the request rather than moving on: its action says so, or the caller stopped it. */
function surfaces(slot: ModelSlot, error: ModelError): boolean {
  return error.kind === "aborted" || slot.settings.actions[error.kind] === "surface";
}

/**
 * The hedge carries the request on: its answer is the request's, or its
 * failure is taken up when the walk reaches its model, next in the chain
 * (whatever that model's health then).
 */
function handOver(run: RequestRun, raced: Extract<HedgedOutcome, { type: "handover" }>): ModelOutcome {
  const { outcome } = raced;
  if (outcome.type === "answered") return { type: "answered", result: run.succeed(raced.to, outcome.response) };
  if (outcome.type === "failed") noteHedgeFailure(run, raced.to, outcome.error);
  return { type: "failed" };
}

/** The slow model failed while its hedge runs: a switch to the hedge like any other, announced as it happens. */
function leftForHedge(run: RequestRun, slot: ModelSlot, hedge: ModelSlot, error: ModelError): void {
  if (error.kind === "context_length") run.noteContextTooLong(slot.settings.adapter.capabilities?.contextWindow ?? 0);
  leaveAfter(run, slot, failureOf(error, false));
  run.enter(hedge);
}

/**
 * A hedge's failure: its cooldown now (another request may reach the model
 * first), the rest — a stop, a cut after content, a retry, a switch — when
 * the walk reaches the model, next in the chain.
 */
function noteHedgeFailure(run: RequestRun, slot: ModelSlot, error: ModelError): void {
  coolDownAfter(slot, failureOf(error, false));
  run.noteHedgeFailure(slot, error);
}

/**
 * A stream failed after content reached the caller: restart it on the next
 * attempt (with `reset` or a prefill), or end with a typed error — always the
 * error once a complete tool call was delivered, since the caller may have run it.
 */
function noteCutAfterContent(run: RequestRun, slot: ModelSlot, error: ModelError, action: FailureAction): void {
  const afterToolCall = run.progress.hasShownToolCall;
  if (run.settings.midStream === "error" || afterToolCall || action === "surface") {
    throw new StreamInterruptedError(error, {
      model: slot.id,
      requestId: run.requestId,
      attempts: run.attempts,
      afterToolCall,
    });
  }
  run.progress.cut({ model: slot.id, reason: error.kind });
}

/**
 * The wait before calling the same model again, or `undefined` to move on:
 * no attempts left, the breaker opened, the provider's Retry-After is longer
 * than `maxRetryAfterMs`, or the wait would outlast the deadline.
 */
function retryDelay(run: RequestRun, slot: ModelSlot, failure: Failure, attempt: number, backoffMs: number): number | undefined {
  const { settings } = slot;
  if (attempt >= settings.maxAttempts) return undefined;
  const now = Date.now();
  if (!slot.health.check(now).available) return undefined;
  const { askedMs } = failure;
  if (askedMs !== undefined && askedMs > settings.maxRetryAfterMs) return undefined;
  const delay = Math.max(backoffMs, askedMs ?? 0);
  if (run.deadlineAt !== undefined && now + delay >= run.deadlineAt) return undefined;
  return delay;
}

/**
 * A model that said "not now" (Retry-After, quota) is skipped by every request
 * until then — for at most `cooldown.maxMs`: the provider's figure is
 * untrusted, and through a shared store it would bench the model fleet-wide.
 */
function coolDownAfter(slot: ModelSlot, { error, askedMs }: Failure): void {
  // The request's own faults say nothing of the model, whatever header came with them.
  if (!countsAgainstHealth(error.kind)) return;
  const now = Date.now();
  const asked = askedMs === undefined ? undefined : Math.min(askedMs, slot.settings.maxCooldownMs);
  if (error.kind === "quota") slot.health.coolDown(now + Math.max(slot.settings.quotaCooldownMs, asked ?? 0), "quota");
  else if (asked !== undefined && asked > 0) slot.health.coolDown(now + asked, error.kind);
}

/** Moves on from a model after its failure: its cooldown, if it asked for one, and the switch to announce. */
function leaveAfter(run: RequestRun, slot: ModelSlot, failure: Failure): void {
  // A hedge's failure had its cooldown when it happened.
  if (!failure.hedged) coolDownAfter(slot, failure);
  run.leave(slot, failure.error.kind);
}
