/** The value at quantile `q` (0–1) of ascending-sorted numbers, by nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

/** Numbers sorted ascending, in a new array. */
export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The median of numbers in any order. */
export function median(values: readonly number[]): number {
  return quantile(ascending(values), 0.5);
}

/** A measurement repeated over rounds: the figure over all samples and the spread of the per-round figures. */
export interface Spread {
  /** The figure over all rounds' samples together. */
  readonly value: number;
  /** The lowest per-round figure. */
  readonly low: number;
  /** The highest per-round figure. */
  readonly high: number;
}

/** The spread of per-round values around their median. */
export function spreadOf(perRound: readonly number[]): Spread {
  const sorted = ascending(perRound);
  return { value: quantile(sorted, 0.5), low: sorted[0] ?? Number.NaN, high: sorted[sorted.length - 1] ?? Number.NaN };
}
