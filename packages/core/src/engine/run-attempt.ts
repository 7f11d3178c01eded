import { type AnswerCheck, type FailedAnswerCheck, firstFailedCheck } from "../checks/answer-check.ts";
import { countsAgainstHealth, ModelError } from "../errors/model-error.ts";
import type { AttemptStartEvent } from "../events/fallback-events.ts";
import type { HealthSkipReason } from "../health/model-health.ts";
import type { ProbeLease } from "../health/probe-lease.ts";
import type { AbortScope } from "../policies/abort-scope.ts";
import { BulkheadFullError } from "../policies/bulkhead.ts";
import type { ChatRequest } from "../spec/chat-request.ts";
import type { ChatResponse } from "../spec/chat-response.ts";
import type { FallbackStreamPart, StreamPart } from "../spec/stream-part.ts";
import { safeUsage, type Usage } from "../spec/usage.ts";
import { classifyFailure } from "./classify-failure.ts";
import type { HedgeRace } from "./hedge-race.ts";
import type { ModelSlot } from "./model-slot.ts";
import type { RequestRun } from "./request-run.ts";
import { estimateRequestTokens, tokensForChars } from "./token-estimate.ts";

/** What one attempt works with. */
export interface AttemptContext {
  readonly run: RequestRun;
  readonly slot: ModelSlot;
  /** Fires on the caller's abort, the deadline, or one of this attempt's timers. */
  readonly scope: AbortScope;
  /** The request as this model gets it. */
  request: ChatRequest;
  /** Characters of answer the attempt produced, for a usage estimate if it dies. */
  outputChars: number;
  /** The call as announced to `attemptStart` listeners and attempt wrappers (none when nobody listens). */
  readonly start: AttemptStartEvent | undefined;
  /** Epoch ms when the first content part arrived, if one did. */
  firstContentAt: number | undefined;
  /** Whether the engine is waiting on the provider now (vs. on the consumer, who holds a streamed part). */
  waitingOnProvider: boolean;
  /**
   * The timer that guards the provider's silence before anything arrives (the
   * attempt timer, or the first-token timer of a stream), as the perform
   * function sets it: a connection dropped after half of it was a silent route.
   */
  silenceTimerMs: number | false;
  /**
   * The parts a stream holds back until its answer passed its checks
   * (`bufferAnswers`); undefined when parts go to the caller as they come.
   */
  heldParts: StreamPart[] | undefined;
  /** True when this call is a half-open probe (its timers are never learned: a probe must be able to learn a new normal). */
  readonly probe: boolean;
  /** The hedge this call races in, if any: its first content (or answer) must claim the win. */
  readonly race: HedgeRace | undefined;
  /** The first-token timer the perform function set, when it was learned rather than configured. */
  learnedFirstTokenMs: number | undefined;
}

/**
 * Calls the model once: `stream` yielding parts to the caller, or `generate`,
 * which yields nothing and so is a plain promise (a generator level less on
 * every call).
 */
export type PerformAttempt = (
  context: AttemptContext,
) => AsyncGenerator<FallbackStreamPart, ChatResponse, undefined> | Promise<ChatResponse>;

/** How an attempt ended. */
export type AttemptOutcome =
  | { readonly type: "answered"; readonly response: ChatResponse }
  | { readonly type: "failed"; readonly error: ModelError }
  | { readonly type: "bulkhead_full" }
  | { readonly type: "unavailable"; readonly reason: HealthSkipReason; readonly until: number };

/** Which call to a model this is, and what it holds. */
export interface AttemptCall {
  /** 1 for the first call to the model in this request. */
  readonly attempt: number;
  /** Ms waited before it (backoff or Retry-After). */
  readonly waitedMs: number;
  /** The half-open probe, when this call is it. */
  readonly lease: ProbeLease | undefined;
  /** The model's health must not stop this call (the all-unavailable rule chose it). */
  readonly ignoresHealth: boolean;
  /** The hedge this call races in. */
  readonly race?: HedgeRace;
  /** True when this call was started as a hedge beside a slower one. */
  readonly hedge?: boolean;
}

/**
 * Makes one call to `slot` within its bulkhead and timers, records it, and
 * tells the breaker. A caller that stops reading mid-stream (the generator's
 * `return`) ends the call as `cancelled`: neither success nor failure.
 */
export async function* runAttempt(
  run: RequestRun,
  slot: ModelSlot,
  call: AttemptCall,
  perform: PerformAttempt,
): AsyncGenerator<FallbackStreamPart, AttemptOutcome, undefined> {
  const { attempt, waitedMs, lease } = call;
  let release: (() => void) | undefined;
  if (slot.bulkhead) {
    try {
      release = await slot.bulkhead.acquire(run.scope.signal);
    } catch (error) {
      if (error instanceof BulkheadFullError) return { type: "bulkhead_full" };
      throw run.stopped();
    }
  }
  // A wait (in the bulkhead's queue, or a backoff) may have seen the model
  // opened or isolated meanwhile: the model's health is read again at the call.
  // A model that became due a probe meanwhile is not called without the probe's lease.
  // Without a bulkhead, a first attempt follows its health check with no wait in between: nothing to read again.
  const waited = slot.bulkhead !== undefined || call.attempt > 1;
  const availability = !waited || lease || call.ignoresHealth ? undefined : slot.health.check(Date.now());
  if (availability && (!availability.available || availability.probe)) {
    release?.();
    if (availability.available) return { type: "unavailable", reason: "open", until: Date.now() };
    return { type: "unavailable", reason: availability.reason, until: availability.until };
  }
  // The call is made: only now is this model the one the request switched to.
  run.enter(slot);
  const probe = lease !== undefined;
  const hedge = call.hedge === true;
  const scope = run.scope.child();
  const startedAt = Date.now();
  const context: AttemptContext = {
    run,
    slot,
    scope,
    start: run.startAttempt(slot, attempt, probe, hedge, startedAt),
    firstContentAt: undefined,
    request: run.request,
    outputChars: 0,
    waitingOnProvider: true,
    silenceTimerMs: false,
    heldParts: undefined,
    probe,
    race: call.race,
    learnedFirstTokenMs: undefined,
  };
  call.race?.join(context);
  const hedgeFacts = hedge ? { hedge } : {};
  const checks = answerChecksOf(run, slot);
  if (checks.length > 0 && run.settings.method === "stream") context.heldParts = [];
  let settled = false;
  let answered = false;
  // An answer that failed its checks: its usage is the waste to count.
  let rejected: { readonly usage: Usage; readonly failed: FailedAnswerCheck } | undefined;
  try {
    // After a stream cut: a prefill of the text shown, or a `reset` telling the caller to discard it.
    const resumption = run.progress.resume(mayContinue(run, slot));
    if (resumption && "reset" in resumption) yield run.announceReset(resumption.reset);
    context.request = run.requestFor(slot, resumption && "prefill" in resumption ? resumption.prefill : "");
    const performing = perform(context);
    const reply = performing instanceof Promise ? await performing : yield* performing;
    const response = { ...reply, usage: safeUsage(reply.usage) };
    // A continued stream's answer is the text shown before the cut and this call's continuation: checked whole.
    const whole = run.progress.prefix === "" ? response : { ...response, text: run.progress.prefix + response.text };
    const failed = checks.length > 0 ? firstFailedCheck(checks, whole, run.request) : undefined;
    if (failed) {
      rejected = { usage: response.usage, failed };
      throw badAnswer(slot, failed);
    }
    // A hedged call's answer that passed its checks (a `generate`, a held stream, one without content) claims the race.
    if (context.race && !context.race.claim(context)) throw new Error("the other call of the hedge delivered first");
    // Held parts reach the caller only now: as content shown, from here a cut is mid-answer.
    for (const part of context.heldParts ?? []) {
      run.progress.deliver(part);
      yield part;
    }
    settled = true;
    const durationMs = Date.now() - startedAt;
    learnLatency(context, startedAt, durationMs);
    run.recordAttempt(slot, {
      attempt,
      outcome: "success",
      waitedMs,
      durationMs,
      usage: response.usage,
      probe,
      ...hedgeFacts,
      startedAt,
      ...firstContent(context, startedAt),
      finishReason: response.finishReason,
      ...(response.responseId === undefined ? {} : { responseId: response.responseId }),
      ...(response.responseModel === undefined ? {} : { responseModel: response.responseModel }),
    });
    slot.health.recordSuccess(lease, run.requestId);
    answered = true;
    return { type: "answered", response };
  } catch (thrown) {
    settled = true;
    if (context.race?.lost(context)) return lostHedge(context, call, startedAt);
    const firstTokenMs = context.learnedFirstTokenMs ?? slot.settings.firstTokenMs;
    const error = silentRouteAsTimeout(
      classifyFailure(thrown, scope.cause, slot.settings, firstTokenMs),
      context,
      Date.now() - startedAt,
    );
    const consumersTime = onConsumersTime(scope, context);
    learnLatency(context, startedAt, undefined);
    run.errors.push(error);
    run.recordAttempt(slot, {
      attempt,
      outcome: error.kind === "aborted" || consumersTime ? "cancelled" : "failure",
      kind: error.kind,
      ...(error.status === undefined ? {} : { status: error.status }),
      message: error.message,
      ...(rejected ? { failedCheck: rejected.failed } : {}),
      waitedMs,
      durationMs: Date.now() - startedAt,
      ...(rejected ? { usage: rejected.usage } : context.outputChars > 0 ? { usage: estimatedUsage(context) } : {}),
      probe,
      ...hedgeFacts,
      startedAt,
      ...firstContent(context, startedAt),
    });
    if (countsAgainstHealth(error.kind) && !consumersTime)
      slot.health.recordFailure(lease, error.kind, Date.now(), run.requestId);
    else slot.health.recordNeutral(lease, Date.now());
    return { type: "failed", error };
  } finally {
    if (!settled) {
      scope.abort("consumer");
      run.recordAttempt(slot, {
        attempt,
        outcome: "cancelled",
        kind: "aborted",
        message: "the consumer stopped reading the stream",
        waitedMs,
        durationMs: Date.now() - startedAt,
        probe,
        ...hedgeFacts,
        startedAt,
      });
      slot.health.recordNeutral(lease, Date.now());
    }
    // A failed or abandoned call may leave the SDK holding a socket: cancel it.
    // An answered one has nothing left running, and an abort (an Error with its
    // stack, the signal's listeners) would be most of the engine's cost per call.
    if (!answered) scope.abort("cleanup");
    scope.dispose();
    release?.();
  }
}

/**
 * Ends a call that lost its hedge (or whose race was called off): cancelled,
 * neither success nor failure for its breaker, its prompt's tokens (and any
 * answer begun) estimated as usage: the provider read the prompt, and the
 * hedge's cost is that waste.
 */
function lostHedge(context: AttemptContext, call: AttemptCall, startedAt: number): AttemptOutcome {
  const { run, slot, race } = context;
  const winner = race?.winner;
  const error = new ModelError({
    kind: "aborted",
    provider: slot.settings.adapter.provider,
    model: slot.settings.adapter.modelId,
    message: winner === undefined ? "the hedge was called off" : `lost the hedge to ${winner}`,
  });
  // Not learned: what a loser waited is only a lower bound of its latency, and learned as a value it
  // would drag the estimate below the model's normal, and then cut it (a lost race says nothing of it).
  const durationMs = Date.now() - startedAt;
  run.recordAttempt(slot, {
    attempt: call.attempt,
    outcome: "cancelled",
    kind: "aborted",
    message: error.message,
    waitedMs: call.waitedMs,
    durationMs,
    usage: estimatedUsage(context),
    probe: context.probe,
    ...(call.hedge ? { hedge: true } : {}),
    ...(winner === undefined ? {} : { lostHedgeTo: winner }),
    startedAt,
    ...firstContent(context, startedAt),
  });
  slot.health.recordNeutral(call.lease, Date.now());
  return { type: "failed", error };
}

/**
 * Feeds the model's latency estimate: a stream's time to first content (a
 * first-token timeout under a learned timer counts as its timer, a lower
 * bound that pulls a too-short estimate up), a `generate`'s answer time.
 */
function learnLatency(context: AttemptContext, startedAt: number, answeredInMs: number | undefined): void {
  const { run, slot, scope } = context;
  if (!slot.learnsLatency) return;
  if (context.firstContentAt !== undefined) {
    slot.observeLatency("firstContent", context.firstContentAt - startedAt, run.inputTokens);
  } else if (scope.cause === "first-token-timeout" && context.learnedFirstTokenMs !== undefined) {
    slot.observeLatency("firstContent", context.learnedFirstTokenMs, run.inputTokens);
  }
  if (answeredInMs !== undefined && run.settings.method === "generate") {
    slot.observeLatency("answer", answeredInMs, run.inputTokens);
  }
}

/** The checks this attempt's answer must pass: the model's and the call's; on a stream, only when it holds its parts. */
function answerChecksOf(run: RequestRun, slot: ModelSlot): readonly AnswerCheck[] {
  if (run.settings.method === "stream" && !run.settings.bufferAnswers) return [];
  const own = slot.settings.answerChecks;
  const call = run.settings.answerChecks;
  return call.length === 0 ? own : own.length === 0 ? call : [...own, ...call];
}

function badAnswer(slot: ModelSlot, failed: FailedAnswerCheck): ModelError {
  const { adapter } = slot.settings;
  return new ModelError({
    kind: "bad_answer",
    provider: adapter.provider,
    model: adapter.modelId,
    message: `the answer failed the check "${failed.check}": ${failed.reason}`,
  });
}

/**
 * Whether the attempt after a stream cut may continue the text shown as a
 * prefill (`midStream: "continue"`, on a model configured to accept one whose
 * adapter does not say it rejects them); otherwise it starts over after a `reset`.
 */
function mayContinue(run: RequestRun, slot: ModelSlot): boolean {
  const { settings } = slot;
  return run.settings.midStream === "continue" && settings.acceptsPrefill && settings.adapter.capabilities?.prefill !== false;
}

/**
 * Whether the attempt was cut on the consumer's time: the deadline ran out
 * while the consumer held a streamed part (between two `next()` calls). The
 * model is not to blame: the attempt is cancelled, not failed.
 */
function onConsumersTime(scope: AbortScope, context: AttemptContext): boolean {
  return scope.cause === "deadline" && !context.waitingOnProvider;
}

function firstContent(context: AttemptContext, startedAt: number): { firstContentMs?: number } {
  return context.firstContentAt === undefined ? {} : { firstContentMs: context.firstContentAt - startedAt };
}

function estimatedUsage(context: AttemptContext): Usage {
  return {
    inputTokens: estimateRequestTokens(context.request),
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: tokensForChars(context.outputChars),
    reasoningTokens: 0,
    estimated: true,
  };
}

/** A provider silent this long, then gone, was a silent route, however its connection ended. */
const silentRouteMs = 5_000;

/**
 * A connection that drops after the provider had stayed silent for a long
 * while — `silentRouteMs`, or half the timer that guards that silence if it
 * is shorter — is the silent route it was (`timeout`, not retried by
 * default), not a transient connection fault: a retry would make the caller
 * wait out the silence twice.
 */
function silentRouteAsTimeout(error: ModelError, context: AttemptContext, durationMs: number): ModelError {
  if (error.kind !== "connection" || context.firstContentAt !== undefined) return error;
  const timer = context.silenceTimerMs;
  const threshold = timer === false ? silentRouteMs : Math.min(silentRouteMs, timer / 2);
  if (durationMs < threshold) return error;
  return new ModelError({
    kind: "timeout",
    message: `the provider was silent for ${durationMs} ms, then the connection dropped (${error.message})`,
    cause: error,
    ...(error.provider === undefined ? {} : { provider: error.provider }),
    ...(error.model === undefined ? {} : { model: error.model }),
    ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
  });
}
