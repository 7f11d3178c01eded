import type { AnswerCheck } from "../checks/answer-check.ts";
import type { MidStreamMode, WhenAllUnavailable } from "../config/options.ts";
import { type ExhaustedReason, FallbackExhaustedError } from "../errors/fallback-exhausted-error.ts";
import { ModelError } from "../errors/model-error.ts";
import type { AttemptStartEvent, AttemptWrapper, HedgeRefusal } from "../events/fallback-events.ts";
import type { SafeEmitter } from "../events/safe-emitter.ts";
import { AbortScope } from "../policies/abort-scope.ts";
import type { ChatRequest } from "../spec/chat-request.ts";
import type { ChatResponse } from "../spec/chat-response.ts";
import type { ResetPart } from "../spec/stream-part.ts";
import { addUsage, zeroUsage } from "../spec/usage.ts";
import { StreamProgress } from "../streaming/stream-progress.ts";
import type { AttemptRecord, FallbackSwitch, HedgeRecord, SkipReason } from "./attempt-record.ts";
import { runInsideWrappers } from "./attempt-wrappers.ts";
import { costOf, priceOf } from "./cost.ts";
import type { FallbackResult } from "./fallback-result.ts";
import type { HedgeBudget } from "./hedge-budget.ts";
import type { ModelSlot } from "./model-slot.ts";
import { nextRequestId } from "./request-id.ts";
import { estimateRequestTokens } from "./token-estimate.ts";

/** How a request runs, fixed at its start. */
export interface RunSettings {
  /** `generate` or `stream`. */
  readonly method: "generate" | "stream";
  readonly slots: readonly ModelSlot[];
  /** The chain's attempt wrappers, first registered outermost (shared, live). */
  readonly wrappers: readonly AttemptWrapper[];
  readonly emitter: SafeEmitter;
  readonly signal: AbortSignal | undefined;
  readonly deadlineMs: number | undefined;
  readonly midStream: MidStreamMode;
  readonly whenAllUnavailable: WhenAllUnavailable;
  /** The caller's tags for this request (frozen; empty when none). */
  readonly tags: Readonly<Record<string, string>>;
  /** The call's own answer checks (each model's are in its settings). */
  readonly answerChecks: readonly AnswerCheck[];
  /** Whether a stream holds each attempt's parts until its answer passed its checks. */
  readonly bufferAnswers: boolean;
  /** Told of each call going out and of the request's end (shadow sampling); absent when nothing is. */
  readonly observer?: RunObserver;
  /** The chain's hedge budget and per-request bound; absent when no model hedges. */
  readonly hedging?: HedgingLimits;
}

/** What bounds a chain's hedges: its shared budget, and the most one request may start. */
export interface HedgingLimits {
  readonly budget: HedgeBudget;
  readonly maxPerRequest: number;
}

/** What follows a chain's requests from inside: told of each call and each end, on the request's path, so it must be cheap and must not throw. */
export interface RunObserver {
  /** A call to `slot` is about to go out. */
  attemptStarted(slot: ModelSlot): void;
  /** The request ended: with its result when it succeeded, `undefined` when it failed. */
  ended(run: RequestRun, result: FallbackResult | undefined): void;
}

/** A call's facts, as `RequestRun.recordAttempt` takes them. */
export type AttemptFacts = Omit<AttemptRecord, "model" | "provider" | "modelId" | "cost">;

/**
 * The state of one request as it walks the chain: its history, its abort
 * scope (caller's signal and deadline), what a stream has shown the caller
 * (its {@link StreamProgress}), and the events it emits. Nothing here is
 * shared with other requests.
 */
export class RequestRun {
  /** The engine's id of this request. */
  readonly requestId = nextRequestId();
  /** Epoch ms of the start. */
  readonly startedAt = Date.now();
  /** The validated request. */
  readonly request: ChatRequest;
  /** The chain and this call's options. */
  readonly settings: RunSettings;
  /** Fires on the caller's abort or the deadline. */
  readonly scope: AbortScope;
  /** Epoch ms of the deadline, if any. */
  readonly deadlineAt: number | undefined;
  /** Every call and skip, in order. */
  readonly attempts: AttemptRecord[] = [];
  /** Every failure, in order. */
  readonly errors: ModelError[] = [];
  private readonly fallbacks: FallbackSwitch[] = [];
  /** Every hedge started, in order (made at the first: most requests never hedge). */
  private hedgeRecords: HedgeRecord[] | undefined;
  /** A hedge's failure per model, for the walk to take up when it reaches that model. */
  private hedgeFailures: Map<string, ModelError> | undefined;
  private inputTokenEstimate: number | undefined;
  private pendingSwitch: { readonly from: string; readonly reason: ModelError["kind"] } | undefined;
  private ended = false;

  /** What a stream has shown its caller (a `generate` shows nothing). */
  readonly progress = new StreamProgress();
  private contextWindowFloor = 0;

  /**
   * @param request - the validated request
   * @param settings - the chain and this call's options
   */
  constructor(request: ChatRequest, settings: RunSettings) {
    this.request = request;
    this.settings = settings;
    this.scope = AbortScope.root(settings.signal);
    this.deadlineAt = settings.deadlineMs === undefined ? undefined : this.startedAt + settings.deadlineMs;
    if (settings.deadlineMs !== undefined) this.scope.startTimer("deadline", settings.deadlineMs);
    const { emitter } = settings;
    if (emitter.listenerCount("requestStart") > 0) {
      const models = settings.slots.map((slot) => slot.id);
      emitter.emit("requestStart", {
        requestId: this.requestId,
        method: settings.method,
        models,
        startedAt: this.startedAt,
        tags: settings.tags,
        request,
      });
    }
  }

  /**
   * Announces a call about to go out (`attemptStart`), and returns the event
   * the attempt wrappers receive; nothing is built when nobody listens.
   */
  startAttempt(
    slot: ModelSlot,
    attempt: number,
    probe: boolean,
    hedge: boolean,
    startedAt: number,
  ): AttemptStartEvent | undefined {
    const { emitter, wrappers, observer } = this.settings;
    observer?.attemptStarted(slot);
    const listening = emitter.listenerCount("attemptStart") > 0;
    if (!listening && wrappers.length === 0) return undefined;
    const event: AttemptStartEvent = {
      requestId: this.requestId,
      ...identify(slot),
      attempt,
      probe,
      ...(hedge ? { hedge } : {}),
      startedAt,
    };
    if (listening) emitter.emit("attemptStart", event);
    return event;
  }

  /** Runs an attempt's call to its adapter inside the chain's attempt wrappers (see `runInsideWrappers`). */
  wrap<T>(attempt: AttemptStartEvent | undefined, call: () => T): T {
    const { wrappers, emitter } = this.settings;
    if (!attempt || wrappers.length === 0) return call();
    return runInsideWrappers(wrappers, attempt, call, (error) =>
      emitter.emit("listenerError", { event: "attemptWrapper", error }),
    );
  }

  /** The request as sent to `slot`: its provider options merged in, and a prefill when continuing. */
  requestFor(slot: ModelSlot, prefill: string): ChatRequest {
    const extra = slot.settings.providerOptions;
    let request = this.request;
    if (extra) request = { ...request, providerOptions: mergeProviderOptions(extra, request.providerOptions) };
    if (prefill) request = { ...request, messages: [...request.messages, { role: "assistant", content: prefill }] };
    return request;
  }

  /** Every hedge started, in order. */
  get hedges(): readonly HedgeRecord[] {
    return this.hedgeRecords ?? noHedges;
  }

  /** The request's estimated input tokens: the prompt size latencies are learned by. */
  get inputTokens(): number {
    this.inputTokenEstimate ??= estimateRequestTokens(this.request);
    return this.inputTokenEstimate;
  }

  /** Announces a hedge from `from` to `to` (`hedgeStart`), and returns its index for {@link RequestRun.endHedge}. */
  startHedge(from: ModelSlot, to: ModelSlot, afterMs: number): number {
    const startedAt = Date.now();
    this.hedgeRecords ??= [];
    this.hedgeRecords.push({ from: from.id, to: to.id, afterMs, startedAt });
    this.settings.emitter.emit("hedgeStart", { requestId: this.requestId, from: from.id, to: to.id, afterMs });
    return this.hedgeRecords.length - 1;
  }

  /** Emits `hedgeSkip`: a hedge from `from` to `to` was due after `afterMs` but did not go. */
  refuseHedge(from: ModelSlot, to: ModelSlot, afterMs: number, reason: HedgeRefusal): void {
    const { emitter } = this.settings;
    if (emitter.listenerCount("hedgeSkip") === 0) return;
    emitter.emit("hedgeSkip", { requestId: this.requestId, from: from.id, to: to.id, afterMs, reason });
  }

  /** Records who won hedge `index` (`undefined`: nobody), and emits `hedgeEnd`. */
  endHedge(index: number, winner: string | undefined): void {
    const hedge = this.hedgeRecords?.[index];
    if (!hedge || !this.hedgeRecords) return;
    this.hedgeRecords[index] = winner === undefined ? hedge : { ...hedge, winner };
    this.settings.emitter.emit("hedgeEnd", {
      requestId: this.requestId,
      from: hedge.from,
      to: hedge.to,
      ...(winner === undefined ? {} : { winner }),
    });
  }

  /** Remembers that a hedge to `slot` failed, for the walk to take up as that model's first attempt. */
  noteHedgeFailure(slot: ModelSlot, error: ModelError): void {
    this.hedgeFailures ??= new Map();
    this.hedgeFailures.set(slot.id, error);
  }

  /** Whether a hedge to `slot` failed, for the walk to take up. */
  hasHedgeFailure(slot: ModelSlot): boolean {
    return this.hedgeFailures?.has(slot.id) === true;
  }

  /** The failure of a hedge to `slot`, once: the walk takes it up when it reaches the model. */
  takeHedgeFailure(slot: ModelSlot): ModelError | undefined {
    const error = this.hedgeFailures?.get(slot.id);
    this.hedgeFailures?.delete(slot.id);
    return error;
  }

  /** Whether any call was made (vs. every model skipped). */
  get calledAny(): boolean {
    return this.attempts.some((attempt) => attempt.outcome !== "skipped");
  }

  /** Models with a context window this small or smaller are skipped: one of that size found the prompt too long. */
  get minContextWindow(): number {
    return this.contextWindowFloor;
  }

  /** Notes that a model with this context window found the prompt too long. */
  noteContextTooLong(contextWindow: number): void {
    this.contextWindowFloor = Math.max(this.contextWindowFloor, contextWindow);
  }

  /** Records a call, and emits `attempt`. */
  recordAttempt(slot: ModelSlot, facts: AttemptFacts): void {
    const { price } = slot.settings;
    const record = { ...identify(slot), ...facts, ...(facts.usage && price ? { cost: priceOf(facts.usage, price) } : {}) };
    this.attempts.push(record);
    this.settings.emitter.emit("attempt", { requestId: this.requestId, record });
  }

  /** Records a model passed over, and emits `skip`. */
  recordSkip(slot: ModelSlot, reason: SkipReason, until?: number, message?: string): void {
    const now = Date.now();
    this.attempts.push({
      ...identify(slot),
      attempt: 0,
      outcome: "skipped",
      skipReason: reason,
      ...(message === undefined ? {} : { message }),
      waitedMs: 0,
      durationMs: 0,
      probe: false,
      startedAt: now,
    });
    this.settings.emitter.emit("skip", {
      requestId: this.requestId,
      model: slot.id,
      reason,
      ...(until === undefined || !Number.isFinite(until) ? {} : { until }),
      ...(message === undefined ? {} : { message }),
    });
  }

  /** Emits `reset` for a restart the caller is about to be told of, and returns its part. */
  announceReset(part: ResetPart): ResetPart {
    this.settings.emitter.emit("reset", { requestId: this.requestId, model: part.model, reason: part.reason });
    return part;
  }

  /** Remembers that `slot` failed, so the next call announces the switch. */
  leave(slot: ModelSlot, reason: ModelError["kind"]): void {
    this.pendingSwitch = { from: slot.id, reason };
  }

  /** Emits `fallback` when `slot` is the first model called after a failed one. */
  enter(slot: ModelSlot): void {
    const pending = this.pendingSwitch;
    if (!pending || pending.from === slot.id) return;
    this.pendingSwitch = undefined;
    const change = { from: pending.from, to: slot.id, reason: pending.reason };
    this.fallbacks.push(change);
    this.settings.emitter.emit("fallback", { requestId: this.requestId, ...change });
  }

  /** Builds the result from the answering call, and emits `success`. */
  succeed(slot: ModelSlot, response: ChatResponse): FallbackResult {
    const priceOf = (id: string) => this.settings.slots.find((s) => s.id === id)?.settings.price;
    const result: FallbackResult = {
      ...response,
      text: this.progress.prefix + response.text,
      requestId: this.requestId,
      ...identify(slot),
      attempts: this.attempts,
      fallbacks: this.fallbacks,
      hedges: this.hedges,
      totalUsage: this.attempts.reduce((sum, a) => (a.usage ? addUsage(sum, a.usage) : sum), zeroUsage),
      cost: costOf(this.attempts, priceOf),
      durationMs: Date.now() - this.startedAt,
    };
    this.ended = true;
    this.settings.emitter.emit("success", { requestId: this.requestId, result });
    this.settings.observer?.ended(this, result);
    return result;
  }

  /** The error for a request that ran out of models, with every model's health. */
  exhausted(reason: ExhaustedReason): FallbackExhaustedError {
    const now = Date.now();
    return new FallbackExhaustedError({
      reason,
      requestId: this.requestId,
      attempts: this.attempts,
      errors: this.errors,
      models: this.settings.slots.map((slot) => slot.health.snapshot(now)),
    });
  }

  /** The error for a request whose scope fired: the caller's abort, or the deadline. */
  stopped(): Error {
    if (this.scope.cause === "deadline") return this.exhausted("deadline");
    return new ModelError({ kind: "aborted", message: "the caller aborted the request", cause: this.scope.signal.reason });
  }

  /**
   * Emits `failure` (and `exhausted`) once for whatever the caller receives,
   * and returns it unchanged. A thrown value that is not an `Error` (a health
   * store rejecting with a string) still ends the request: the event carries
   * it wrapped in an `Error`, as its `cause`.
   */
  fail(error: unknown): unknown {
    if (this.ended) return error;
    this.ended = true;
    const { emitter } = this.settings;
    if (error instanceof FallbackExhaustedError) emitter.emit("exhausted", { requestId: this.requestId, error });
    emitter.emit("failure", { requestId: this.requestId, error: asError(error), attempts: this.attempts });
    this.settings.observer?.ended(this, undefined);
    return error;
  }

  /** Clears the deadline timer and stops following the caller's signal. */
  dispose(): void {
    this.scope.dispose();
  }
}

const noHedges: readonly HedgeRecord[] = Object.freeze([]);

/** `thrown` if it is an `Error`, else an `Error` that describes it and keeps it as its `cause`. */
function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(`the request failed with a value that is not an Error: ${describe(thrown)}`, { cause: thrown });
}

function describe(value: unknown): string {
  try {
    return typeof value === "string" ? value : String(value);
  } catch {
    // An object without a usable toString (a null prototype, a throwing one).
    return Object.prototype.toString.call(value);
  }
}

function identify(slot: ModelSlot): { model: string; provider: string; modelId: string } {
  return { model: slot.id, provider: slot.settings.adapter.provider, modelId: slot.settings.adapter.modelId };
}

function mergeProviderOptions(
  base: NonNullable<ChatRequest["providerOptions"]>,
  overrides: ChatRequest["providerOptions"],
): NonNullable<ChatRequest["providerOptions"]> {
  if (!overrides) return base;
  const merged: Record<string, Readonly<Record<string, unknown>>> = { ...base };
  for (const [provider, options] of Object.entries(overrides)) merged[provider] = { ...base[provider], ...options };
  return merged;
}
