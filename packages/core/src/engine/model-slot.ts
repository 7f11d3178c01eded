import { ExponentialBackoff } from "cockatiel";
import type { ModelSettings } from "../config/model-settings.ts";
import type { HealthStore } from "../health/health-store.ts";
import { type LatencyMeasure, LatencyTracker } from "../health/latency-tracker.ts";
import { type BreakerTransition, ModelHealth } from "../health/model-health.ts";
import { Bulkhead } from "../policies/bulkhead.ts";

/** Latency samples between two shares of a model's estimates through a shared store. */
const samplesPerShare = 20;

/** The longest a half-open probe may hold a model when it has no timer of its own. */
const fallbackProbeLeaseMs = 120_000;

/** One model of a chain at run time: its settings, its health, its bulkhead. Shared by all requests. */
export class ModelSlot {
  /** Breaker and cooldown. */
  readonly health: ModelHealth;
  /** Concurrency limit, when configured. */
  readonly bulkhead: Bulkhead | undefined;
  /** Makes a fresh backoff sequence for each request (cockatiel's exponential backoff with decorrelated jitter). */
  readonly backoff: ExponentialBackoff<unknown>;
  /** The model's resolved settings. */
  readonly settings: ModelSettings;
  private readonly store: HealthStore;
  private samplesSinceShare = 0;
  /** Its recent latencies: what learned first-token timers and hedge delays come from. */
  readonly latency = new LatencyTracker();
  /** Whether anything reads {@link ModelSlot.latency}: otherwise calls are not timed into it (it costs a prompt-size estimate per call). */
  readonly learnsLatency: boolean;

  /**
   * @param settings - the model's resolved settings
   * @param store - where health lives
   * @param onTransition - told of breaker state changes
   */
  constructor(settings: ModelSettings, store: HealthStore, onTransition: (transition: BreakerTransition) => void) {
    this.settings = settings;
    this.store = store;
    this.health = new ModelHealth(
      settings.id,
      {
        counter: settings.breakerCounter,
        halfOpenAfter: settings.halfOpenAfter,
        probeLeaseMs: probeLeaseFor(settings),
      },
      store,
      onTransition,
    );
    this.bulkhead = settings.bulkhead
      ? new Bulkhead(settings.id, settings.bulkhead.maxConcurrent, settings.bulkhead.maxQueued)
      : undefined;
    this.learnsLatency = settings.learnedFirstToken !== undefined || settings.hedge?.type === "learned";
    this.backoff = new ExponentialBackoff({ initialDelay: settings.initialDelayMs, maxDelay: settings.maxDelayMs });
  }

  /** The model's id in the chain. */
  get id(): string {
    return this.settings.id;
  }

  /**
   * Adds a latency sample, and every few dozen shares the model's estimates
   * through a store that shares them, so that every replica learns from the
   * fleet's traffic. A store that throws here must not fail the request.
   */
  observeLatency(measure: LatencyMeasure, ms: number, inputTokens: number): void {
    this.latency.observe(measure, ms, inputTokens);
    if (!this.store.shareLatency || ++this.samplesSinceShare < samplesPerShare) return;
    this.samplesSinceShare = 0;
    try {
      // Typed as returning nothing, but a store may well be async: its rejection must not go unhandled.
      const sharing: unknown = this.store.shareLatency(this.id, this.latency.share(Date.now()));
      if (isThenable(sharing)) Promise.resolve(sharing).catch(() => {});
    } catch {
      // Sharing is an optimisation: this process keeps learning on its own.
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** A probe's lease outlives its own longest timer, so only a crashed prober lets it lapse. */
function probeLeaseFor(settings: ModelSettings): number {
  const timers = [settings.attemptMs, settings.firstTokenMs].filter((ms): ms is number => ms !== false);
  return timers.length === 0 ? fallbackProbeLeaseMs : Math.ceil(Math.max(...timers) * 2);
}
