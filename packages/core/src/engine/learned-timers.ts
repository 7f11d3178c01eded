import { type LatencyMeasure, zOf } from "../health/latency-tracker.ts";
import type { ModelSlot } from "./model-slot.ts";
import type { RequestRun } from "./request-run.ts";

/** A stream's first-token timer, and whether it was learned (a censored sample, when it fires). */
export interface FirstTokenTimer {
  /** The timer in ms, or `false` for none. */
  readonly ms: number | false;
  /** True when it came from the model's estimate, not from `firstTokenMs`. */
  readonly learned: boolean;
}

/**
 * The first-token timer of a stream to `slot` for `run`'s prompt size:
 * with `learnFirstToken`, `multiplier` × the model's estimated p99 for that
 * prompt size, at least `minMs` and never past `firstTokenMs`; otherwise, and
 * before enough samples, and for a half-open probe (which must be able to
 * learn a new normal), `firstTokenMs`.
 */
export function firstTokenTimer(slot: ModelSlot, run: RequestRun, probe: boolean): FirstTokenTimer {
  const { firstTokenMs, learnedFirstToken: learn } = slot.settings;
  if (!learn || probe) return { ms: firstTokenMs, learned: false };
  const p99 = slot.latency.quantile("firstContent", run.inputTokens, zOf.p99, learn.minSamples);
  if (p99 === undefined) return { ms: firstTokenMs, learned: false };
  const learnedMs = Math.ceil(Math.max(learn.minMs, p99 * learn.multiplier));
  if (firstTokenMs !== false && learnedMs >= firstTokenMs) return { ms: firstTokenMs, learned: false };
  return { ms: learnedMs, learned: true };
}

/**
 * How long a call to `slot` may go without delivering before the next model
 * starts beside it, or `undefined` when the model does not hedge: the fixed
 * `afterMs`, or the model's estimated p95 for the measure and prompt size
 * within `minMs`..`maxMs` (`maxMs` until enough samples).
 */
export function hedgeDelayMs(slot: ModelSlot, measure: LatencyMeasure, inputTokens: number): number | undefined {
  const { hedge } = slot.settings;
  if (!hedge) return undefined;
  if (hedge.type === "fixed") return hedge.afterMs;
  const p95 = slot.latency.quantile(measure, inputTokens, zOf.p95, hedge.minSamples) ?? hedge.maxMs;
  return Math.ceil(Math.min(hedge.maxMs, Math.max(hedge.minMs, p95)));
}
