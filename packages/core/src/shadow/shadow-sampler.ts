import { answerChecks, firstFailedCheck } from "../checks/answer-check.ts";
import type { ShadowOptions } from "../config/options.ts";
import { capabilityMismatch } from "../engine/capability-fit.ts";
import { priceOf } from "../engine/cost.ts";
import type { FallbackResult } from "../engine/fallback-result.ts";
import type { ModelSlot } from "../engine/model-slot.ts";
import type { RequestRun, RunObserver } from "../engine/request-run.ts";
import type { ShadowEvent, ShadowSkipReason } from "../events/fallback-events.ts";
import type { SafeEmitter } from "../events/safe-emitter.ts";
import { HourlySpend } from "./hourly-spend.ts";
import { ShadowCall, type ShadowCallOutcome } from "./shadow-call.ts";

/** The defaults of {@link ShadowOptions}. */
export const shadowDefaults = {
  /** {@link ShadowOptions.maxConcurrent}. */
  maxConcurrent: 2,
  /** {@link ShadowOptions.timeoutMs}. */
  timeoutMs: 30_000,
  /** {@link ShadowOptions.pauseAfterFallbackMs}. */
  pauseAfterFallbackMs: 60_000,
} as const;

/** A sampled request waiting for its shadow call to start. */
interface Sample {
  readonly run: RequestRun;
  readonly result: FallbackResult;
}

/**
 * Shadow sampling of a chain's live traffic: draws a sample of the requests
 * another model answered, and once each caller has its result, sends the
 * request once more to the shadow model's adapter, in the background (see
 * `FallbackOptions.shadow`). It never touches the shadow model's breaker,
 * cooldown or bulkhead, and nothing it does can reach a caller: on the
 * request's path it only draws a number and schedules a task.
 */
export class ShadowSampler implements RunObserver {
  private readonly slot: ModelSlot;
  private readonly emitter: SafeEmitter;
  private readonly sampleRate: number;
  private readonly maxConcurrent: number;
  private readonly maxCostPerHour: number | undefined;
  private readonly timeoutMs: number;
  private readonly pauseMs: number;
  private readonly checks: ShadowOptions["answerChecks"] & {};
  private readonly random: () => number;
  private readonly waiting = new Map<NodeJS.Immediate, Sample>();
  private readonly inFlight = new Map<ShadowCall, Promise<void>>();
  private readonly spend = new HourlySpend();
  private lastRealCallAt = Number.NEGATIVE_INFINITY;
  private closed = false;

  /**
   * @param options - the chain's validated `shadow` options
   * @param slot - the shadow model
   * @param emitter - the chain, which emits `shadow`
   */
  constructor(options: ShadowOptions, slot: ModelSlot, emitter: SafeEmitter) {
    this.slot = slot;
    this.emitter = emitter;
    this.sampleRate = options.sampleRate;
    this.maxConcurrent = options.maxConcurrent ?? shadowDefaults.maxConcurrent;
    this.maxCostPerHour = options.maxCostPerHour;
    this.timeoutMs = Math.ceil(options.timeoutMs ?? shadowDefaults.timeoutMs);
    this.pauseMs = options.pauseAfterFallbackMs ?? shadowDefaults.pauseAfterFallbackMs;
    this.checks = Object.freeze([...(options.answerChecks ?? answerChecks.all())]);
    this.random = options.random ?? Math.random;
  }

  /** Shadow calls in flight now. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** {@inheritDoc RunObserver.attemptStarted} */
  attemptStarted(slot: ModelSlot): void {
    if (slot === this.slot) this.lastRealCallAt = Date.now();
  }

  /** {@inheritDoc RunObserver.ended} */
  ended(run: RequestRun, result: FallbackResult | undefined): void {
    try {
      if (!result || this.closed || result.model === this.slot.id) return;
      // A call that limits itself to other models (`models: [...]`) keeps its prompt from the shadow's vendor.
      if (!run.settings.slots.includes(this.slot)) return;
      if (!(this.random() < this.sampleRate)) return;
      // After the caller has its result: a check-phase task runs once every promise reaction queued now has run.
      const task = setImmediate(() => {
        this.waiting.delete(task);
        this.start({ run, result });
      });
      this.waiting.set(task, { run, result });
    } catch {
      // A throwing `random` loses a sample, never a request.
    }
  }

  /**
   * Stops sampling: samples not started are reported skipped (`closed`),
   * calls in flight are aborted; resolves once each has been reported.
   * Never rejects.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const [task, sample] of this.waiting) {
      clearImmediate(task);
      this.report(sample, Date.now(), { skipReason: "closed" });
    }
    this.waiting.clear();
    for (const call of this.inFlight.keys()) call.stop("closed");
    await Promise.all(this.inFlight.values());
  }

  private start(sample: Sample): void {
    const now = Date.now();
    try {
      const request = sample.run.requestFor(this.slot, "");
      const skipReason = this.skipReason(sample.run, now);
      if (skipReason) {
        this.report(sample, now, { skipReason });
        return;
      }
      const call = new ShadowCall(this.slot.settings, request, this.timeoutMs);
      this.inFlight.set(
        call,
        call.done
          .then((outcome) => {
            this.inFlight.delete(call);
            this.report(sample, now, { outcome });
          })
          .catch(() => {}),
      );
    } catch {
      // Nothing a shadow does may surface; a request the adapter cannot even be handed is no sample.
    }
  }

  private skipReason(run: RequestRun, now: number): ShadowSkipReason | undefined {
    if (this.closed) return "closed";
    if (capabilityMismatch(run.request, this.slot.settings.adapter.capabilities, 0)) return "unsupported";
    const health = this.slot.health.snapshot(now);
    if (health.breaker !== "closed" || health.cooldownUntil !== undefined) return "unhealthy";
    const bulkhead = this.slot.bulkhead;
    if (now - this.lastRealCallAt < this.pauseMs || (bulkhead && bulkhead.inFlight + bulkhead.queued > 0)) {
      return "serving_fallbacks";
    }
    if (this.inFlight.size >= this.maxConcurrent) return "max_concurrent";
    if (this.maxCostPerHour !== undefined && this.spend.total(now) >= this.maxCostPerHour) return "max_cost";
    return undefined;
  }

  private report(
    { run, result }: Sample,
    startedAt: number,
    end: { readonly skipReason: ShadowSkipReason } | { readonly outcome: ShadowCallOutcome },
  ): void {
    const base = { requestId: run.requestId, model: this.slot.id, answeringModel: result.model, startedAt };
    let event: ShadowEvent;
    if ("skipReason" in end) {
      event = { ...base, outcome: "skipped", skipReason: end.skipReason, durationMs: 0 };
    } else if (!end.outcome.ok) {
      const { kind, message, durationMs } = end.outcome;
      event = { ...base, outcome: "failed", durationMs, kind, message };
    } else {
      const { response, durationMs } = end.outcome;
      const { price } = this.slot.settings;
      const cost = price ? priceOf(response.usage, price) : undefined;
      if (cost !== undefined) this.spend.add(cost, Date.now());
      const failedCheck = firstFailedCheck(this.checks, response, run.request);
      const realFailedCheck = firstFailedCheck(this.checks, result, run.request);
      event = {
        ...base,
        outcome: "answered",
        durationMs,
        answer: { text: response.text, toolCalls: response.toolCalls, finishReason: response.finishReason },
        usage: response.usage,
        ...(cost === undefined ? {} : { cost }),
        ...(failedCheck ? { failedCheck } : {}),
        ...(realFailedCheck ? { realFailedCheck } : {}),
      };
    }
    try {
      this.emitter.emit("shadow", event);
    } catch {
      // Listeners are guarded already; this is for an emitter someone replaced.
    }
  }
}
