/** What is timed: a stream's time to its first content, or a non-streamed call's time to its answer. */
export type LatencyMeasure = "firstContent" | "answer";

/**
 * Prompt sizes, in estimated input tokens, that are learned apart: a
 * provider reads a long prompt before it writes, so a 50 000-token prompt's
 * first token is slower than a short one's, and a timer learned on short
 * prompts must not cut it. Each size learns on its own, so that a mixed
 * workload never lowers the estimate of its long prompts.
 */
const sizeBounds = [1_000, 4_000, 16_000, 64_000];

/**
 * How fast the estimate follows a change: each sample weighs 5%, so the last
 * ~20 calls dominate. The first samples are averaged plainly, so that the
 * estimate starts from the model's figures, not from 0.
 */
const weight = 0.05;

/** The standard normal's quantiles the engine asks for. */
export const zOf = { p50: 0, p95: 1.645, p99: 2.326 } as const;

/**
 * A running estimate of one latency's distribution, as a log-normal (the
 * usual shape of response times: a body and a long right tail): the
 * exponentially weighted mean and variance of log(ms). Constant memory and a
 * few multiplications per sample.
 */
class LogNormalEstimate {
  samples = 0;
  private mean = 0;
  private variance = 0;

  observe(ms: number): void {
    const x = Math.log(Math.max(1, ms));
    this.samples++;
    const alpha = Math.max(weight, 1 / this.samples);
    const diff = x - this.mean;
    const step = alpha * diff;
    this.mean += step;
    this.variance = (1 - alpha) * (this.variance + diff * step);
  }

  quantile(z: number): number {
    return Math.exp(this.mean + z * Math.sqrt(this.variance));
  }
}

/**
 * One model's recent latencies, per measure and prompt size: what a learned
 * first-token timer and a learned hedge delay are derived from. Local to the
 * process, and shared by every request to the model.
 */
export class LatencyTracker {
  private readonly estimates = new Map<string, LogNormalEstimate>();

  /**
   * Adds a call's latency. A timer that cut the call before its first token
   * is added as the time it waited: a lower bound of the true figure, which
   * pulls the estimate up, so that a model whose normal got slower is
   * learned again rather than cut forever.
   */
  observe(measure: LatencyMeasure, ms: number, inputTokens: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const key = keyOf(measure, inputTokens);
    let estimate = this.estimates.get(key);
    if (!estimate) {
      estimate = new LogNormalEstimate();
      this.estimates.set(key, estimate);
    }
    estimate.observe(ms);
  }

  /**
   * The estimated quantile (`z` of the standard normal: {@link zOf}) of a
   * measure for prompts of this size, in ms; `undefined` until that size has
   * `minSamples` samples.
   */
  quantile(measure: LatencyMeasure, inputTokens: number, z: number, minSamples: number): number | undefined {
    const estimate = this.estimates.get(keyOf(measure, inputTokens));
    if (!estimate || estimate.samples < minSamples) return undefined;
    return estimate.quantile(z);
  }

  /** Samples seen of a measure for prompts of this size. */
  samples(measure: LatencyMeasure, inputTokens: number): number {
    return this.estimates.get(keyOf(measure, inputTokens))?.samples ?? 0;
  }
}

function keyOf(measure: LatencyMeasure, inputTokens: number): string {
  let size = 0;
  while (size < sizeBounds.length && inputTokens >= (sizeBounds[size] as number)) size++;
  return `${measure}:${size}`;
}
