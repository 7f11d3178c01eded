/** What is timed: a stream's time to its first content, or a non-streamed call's time to its answer. */
export type LatencyMeasure = "firstContent" | "answer";

/**
 * A model's learned latencies as one process shares them with the others
 * through a health store ({@link HealthStore.shareLatency}): for each measure
 * and prompt-size band, the log-normal estimate's figures. A store passes it
 * on as it is; {@link sharedLatencyFrom} checks one read from outside.
 */
export interface SharedLatency {
  /** The estimates, one per measure and prompt-size band that has samples. */
  readonly bands: readonly LatencyBand[];
  /** Epoch ms when the sharing process made it. */
  readonly sharedAt: number;
}

/** One measure's estimate for one band of prompt sizes (see {@link SharedLatency}). */
export interface LatencyBand {
  /** What is timed. */
  readonly measure: LatencyMeasure;
  /** The prompt-size band: 0 for under 1 000 estimated input tokens, then under 4 000, 16 000, 64 000, and 4 for the rest. */
  readonly band: number;
  /** Samples the estimate rests on. */
  readonly samples: number;
  /** Mean of log(ms). */
  readonly logMean: number;
  /** Variance of log(ms). */
  readonly logVariance: number;
}

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
  mean = 0;
  variance = 0;

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

  /**
   * Blends in another process's estimate as a mixture of the two, each
   * weighing its samples up to the ~20 the running estimate remembers: a
   * cold estimate takes the other's whole, two warm ones meet halfway.
   */
  blend(other: LatencyBand): void {
    const memory = 1 / weight;
    const own = Math.min(this.samples, memory);
    const theirs = Math.min(other.samples, memory);
    if (theirs === 0) return;
    const mean = (own * this.mean + theirs * other.logMean) / (own + theirs);
    this.variance =
      (own * (this.variance + (this.mean - mean) ** 2) + theirs * (other.logVariance + (other.logMean - mean) ** 2)) /
      (own + theirs);
    this.mean = mean;
    this.samples = Math.max(this.samples, other.samples);
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

  /** The estimates as shared with other processes. */
  share(now: number): SharedLatency {
    const bands: LatencyBand[] = [];
    for (const [key, estimate] of this.estimates) {
      const [measure, band] = key.split(":") as [LatencyMeasure, string];
      bands.push({
        measure,
        band: Number(band),
        samples: estimate.samples,
        logMean: estimate.mean,
        logVariance: estimate.variance,
      });
    }
    return { bands, sharedAt: now };
  }

  /** Takes in another process's estimates (see `LogNormalEstimate.blend`). */
  adopt(shared: SharedLatency): void {
    for (const band of shared.bands) {
      const key = `${band.measure}:${band.band}`;
      let estimate = this.estimates.get(key);
      if (!estimate) {
        estimate = new LogNormalEstimate();
        this.estimates.set(key, estimate);
      }
      estimate.blend(band);
    }
  }
}

function keyOf(measure: LatencyMeasure, inputTokens: number): string {
  let band = 0;
  while (band < sizeBounds.length && inputTokens >= (sizeBounds[band] as number)) band++;
  return `${measure}:${band}`;
}

/** log(ms) beyond which no latency lies: the longest timer. */
const maxLogMs = Math.log(2 ** 31);

/**
 * The {@link SharedLatency} a value read from outside (a store's key, a
 * message anyone on the server may publish) holds, or `undefined` when it
 * holds none. Bands that are not sound estimates are dropped: a learned
 * timer stays within its floor and ceiling whatever it is fed, but a store
 * must not make it throw or go NaN.
 */
export function sharedLatencyFrom(value: unknown): SharedLatency | undefined {
  try {
    if (typeof value !== "object" || value === null) return undefined;
    const { bands, sharedAt } = value as { bands?: unknown; sharedAt?: unknown };
    if (!Array.isArray(bands) || typeof sharedAt !== "number" || !Number.isFinite(sharedAt)) return undefined;
    // One band per measure and size: a repeated one would weigh several times over.
    const byKey = new Map<string, LatencyBand>();
    for (const band of bands.slice(0, 64)) {
      if (!isSoundBand(band)) continue;
      const key = `${band.measure}:${band.band}`;
      if (!byKey.has(key)) byKey.set(key, { ...band });
    }
    return { bands: [...byKey.values()], sharedAt };
  } catch {
    // A getter that throws, a proxy: not latencies.
    return undefined;
  }
}

function isSoundBand(value: unknown): value is LatencyBand {
  if (typeof value !== "object" || value === null) return false;
  const band = value as Record<string, unknown>;
  const { samples, logMean, logVariance } = band;
  return (
    (band.measure === "firstContent" || band.measure === "answer") &&
    Number.isInteger(band.band) &&
    (band.band as number) >= 0 &&
    (band.band as number) <= sizeBounds.length &&
    Number.isSafeInteger(samples) &&
    (samples as number) >= 0 &&
    typeof logMean === "number" &&
    logMean >= 0 &&
    logMean <= maxLogMs &&
    typeof logVariance === "number" &&
    logVariance >= 0 &&
    logVariance <= maxLogMs
  );
}
