import type { IBackoff } from "cockatiel";
import { abortableDelay } from "./abortable-delay.ts";
import type { FailureAction } from "./failure-action.ts";
import type { FallbackResult } from "./fallback-result.ts";
import type { ModelError } from "./model-error.ts";
import { unfitReason } from "./model-fit.ts";
import type { ModelSlot } from "./model-slot.ts";
import type { RequestRun } from "./request-run.ts";
import { type PerformAttempt, runAttempt } from "./run-attempt.ts";
import { StreamInterruptedError } from "./stream-interrupted-error.ts";
import type { FallbackStreamPart } from "./stream-part.ts";

type ModelOutcome =
  | { readonly type: "answered"; readonly result: FallbackResult }
  | { readonly type: "failed" }
  | { readonly type: "unfit" }
  | { readonly type: "unavailable"; readonly until: number };

/**
 * Walks the request's chain in order until a model answers. Each request walks
 * on its own: the only state shared with other requests is each model's
 * health (breaker, cooldown) and bulkhead.
 */
export async function* walkChain(
  run: RequestRun,
  perform: PerformAttempt,
): AsyncGenerator<FallbackStreamPart, FallbackResult, undefined> {
  const unavailable: { slot: ModelSlot; until: number }[] = [];
  for (const slot of run.settings.slots) {
    const outcome = yield* tryModel(run, slot, perform, false);
    if (outcome.type === "answered") return outcome.result;
    if (outcome.type === "unavailable") unavailable.push({ slot, until: outcome.until });
  }
  if (!run.calledAny && unavailable.length > 0) {
    if (run.settings.whenAllUnavailable === "fail") throw run.exhausted("all_unavailable");
    const nearest = nearestToRecovery(unavailable);
    if (nearest) {
      const outcome = yield* tryModel(run, nearest, perform, true);
      if (outcome.type === "answered") return outcome.result;
    }
  }
  throw run.exhausted(run.calledAny ? "all_failed" : unavailable.length > 0 ? "all_unavailable" : "none_fit");
}

/** The model whose breaker or cooldown ends first; never an isolated one. */
function nearestToRecovery(candidates: readonly { slot: ModelSlot; until: number }[]): ModelSlot | undefined {
  let best: { slot: ModelSlot; until: number } | undefined;
  for (const candidate of candidates) {
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
  const unfit = unfitReason(run.request, slot.settings.adapter.capabilities, run.minContextWindow);
  if (unfit) {
    run.recordSkip(slot, "unsupported", undefined, unfit);
    return { type: "unfit" };
  }
  let probe = false;
  if (!forced) {
    const availability = slot.health.check(Date.now());
    if (!availability.available) {
      run.recordSkip(slot, availability.reason, availability.until);
      return { type: "unavailable", until: availability.until };
    }
    if (availability.probe) {
      probe = await slot.health.beginProbe(Date.now(), run.requestId);
      if (!probe) {
        run.recordSkip(slot, "half_open_probe_in_flight");
        return { type: "unavailable", until: Date.now() };
      }
    }
  }
  let backoff: IBackoff<unknown> | undefined;
  let waitedMs = 0;
  for (let attempt = 1; ; attempt++) {
    if (run.scope.cause) throw run.stopped();
    run.enter(slot);
    const outcome = yield* runAttempt(run, slot, attempt, waitedMs, probe, perform);
    if (outcome.type === "answered") return { type: "answered", result: run.succeed(slot, outcome.response) };
    if (outcome.type === "bulkhead_full") {
      run.recordSkip(slot, "bulkhead_full");
      return { type: "unfit" };
    }
    probe = false;
    const { error } = outcome;
    if (run.scope.cause || error.kind === "aborted") throw run.stopped();
    const action = slot.settings.actions[error.kind];
    if (run.committed) noteCutAfterContent(run, slot, error, action);
    if (action === "surface") throw error;
    if (error.kind === "context_length") {
      run.minContextWindow = Math.max(run.minContextWindow, slot.settings.adapter.capabilities?.contextWindow ?? 0);
    }
    backoff = action === "retry" ? (backoff ? backoff.next(undefined) : slot.backoff.next()) : undefined;
    const delay = backoff && retryDelay(run, slot, error, attempt, backoff.duration);
    if (delay === undefined) {
      coolDownAfter(slot, error);
      run.leave(slot, error.kind);
      return { type: "failed" };
    }
    run.settings.emitter.emit("retry", {
      requestId: run.requestId,
      model: slot.id,
      attempt: attempt + 1,
      delayMs: delay,
      reason: error.kind,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    });
    try {
      await abortableDelay(delay, run.scope.signal);
    } catch {
      throw run.stopped();
    }
    waitedMs = delay;
  }
}

/**
 * A stream failed after content reached the caller: restart it on the next
 * attempt (with `reset` or a prefill), or end with a typed error — always the
 * error once a complete tool call was delivered, since the caller may have run it.
 */
function noteCutAfterContent(run: RequestRun, slot: ModelSlot, error: ModelError, action: FailureAction): void {
  if (run.settings.midStream === "error" || run.toolCallDelivered || action === "surface") {
    throw new StreamInterruptedError(error, {
      model: slot.id,
      requestId: run.requestId,
      attempts: run.attempts,
      afterToolCall: run.toolCallDelivered,
    });
  }
  run.restartAfter = { model: slot.id, reason: error.kind };
}

/**
 * The wait before calling the same model again, or `undefined` to move on:
 * no attempts left, the breaker opened, the provider's Retry-After is longer
 * than `maxRetryAfterMs`, or the wait would outlast the deadline.
 */
function retryDelay(run: RequestRun, slot: ModelSlot, error: ModelError, attempt: number, backoffMs: number): number | undefined {
  const { settings } = slot;
  if (attempt >= settings.maxAttempts) return undefined;
  const now = Date.now();
  if (!slot.health.check(now).available) return undefined;
  const retryAfter = error.retryAfterMs;
  if (retryAfter !== undefined && retryAfter > settings.maxRetryAfterMs) return undefined;
  const delay = Math.max(backoffMs, retryAfter ?? 0);
  if (run.deadlineAt !== undefined && now + delay >= run.deadlineAt) return undefined;
  return delay;
}

/** A model that said "not now" (Retry-After, quota) is skipped by every request until then. */
function coolDownAfter(slot: ModelSlot, error: ModelError): void {
  const now = Date.now();
  if (error.kind === "quota")
    slot.health.coolDown(now + Math.max(slot.settings.quotaCooldownMs, error.retryAfterMs ?? 0), "quota");
  else if (error.retryAfterMs !== undefined && error.retryAfterMs > 0) slot.health.coolDown(now + error.retryAfterMs, error.kind);
}
