import { type LatencyMeasure, zOf } from "../health/latency-tracker.ts";
import type { ModelSlot } from "./model-slot.ts";
import type { RequestRun } from "./request-run.ts";

/**
 * The learned first-token timer of a stream to `slot` for `run`'s prompt
 * size, in ms: with `learnFirstToken`, `multiplier` × the model's estimated
 * p99 for that prompt size, at least `minMs`; `undefined` — the configured
 * `firstTokenMs` holds — without it, before enough samples, for a half-open
 * probe (which must be able to learn a new normal), and when the learned
 * one would not be shorter than `firstTokenMs`.
 */
export function learnedFirstTokenMs(slot: ModelSlot, run: RequestRun, probe: boolean): number | undefined {
  const { firstTokenMs, learnedFirstToken: learn } = slot.settings;
  if (!learn || probe) return undefined;
  const p99 = slot.latency.quantile("firstContent", run.inputTokens, zOf.p99, learn.minSamples);
  if (p99 === undefined) return undefined;
  const learnedMs = Math.ceil(Math.max(learn.minMs, p99 * learn.multiplier));
  return firstTokenMs !== false && learnedMs >= firstTokenMs ? undefined : learnedMs;
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
