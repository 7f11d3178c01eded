import type { SkipReason } from "@understudy/core";
import type { UnavailablePeriod } from "./request-log-reader.ts";

/** The skip reasons that mean "this model is unavailable now" (its health), as opposed to "cannot take this request". */
export const healthSkipReasons: readonly SkipReason[] = ["open", "cooldown", "half_open_probe_in_flight", "isolated"];

/** One skip of a model for its health. */
export interface HealthSkip {
  /** The model. */
  readonly model: string;
  /** Epoch ms of the skip. */
  readonly at: number;
  /** Why. */
  readonly reason: SkipReason;
}

/**
 * Merges skips, ordered by model then time, into periods: a skip more than
 * `gapMs` after the previous one of its model starts a new period. What any
 * reader does with the rows its store returns.
 */
export function periodsOf(skips: Iterable<HealthSkip>, gapMs: number): UnavailablePeriod[] {
  const periods: UnavailablePeriod[] = [];
  let current: { model: string; from: number; to: number; skips: number; reasons: SkipReason[] } | undefined;
  for (const skip of skips) {
    if (current && current.model === skip.model && skip.at - current.to <= gapMs) {
      current.to = skip.at;
      current.skips += 1;
      if (!current.reasons.includes(skip.reason)) current.reasons.push(skip.reason);
      continue;
    }
    if (current) periods.push(current);
    current = { model: skip.model, from: skip.at, to: skip.at, skips: 1, reasons: [skip.reason] };
  }
  if (current) periods.push(current);
  return periods;
}
