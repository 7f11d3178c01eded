import type { ModelPrice } from "../config/options.ts";
import type { Usage } from "../spec/usage.ts";
import type { AttemptRecord } from "./attempt-record.ts";

/** What a request cost, in the unit of the price tables (e.g. USD). */
export interface Cost {
  /** The answering attempt. */
  readonly answer: number;
  /** Failed and cancelled attempts (tokens the provider may bill for nothing). */
  readonly wasted: number;
  /** `answer + wasted`. */
  readonly total: number;
  /** False when a model that used tokens has no price, so the figures are low. */
  readonly complete: boolean;
}

/** The price of a usage under a price table. */
export function priceOf(usage: Usage, price: ModelPrice): number {
  const perToken = (perMillion: number): number => perMillion / 1_000_000;
  return (
    usage.inputTokens * perToken(price.inputPerMillion) +
    usage.cachedInputTokens * perToken(price.cachedInputPerMillion ?? price.inputPerMillion) +
    usage.cacheWriteTokens * perToken(price.cacheWritePerMillion ?? price.inputPerMillion) +
    usage.outputTokens * perToken(price.outputPerMillion)
  );
}

/** Sums the cost of a request's attempts, the answer apart from the waste. */
export function costOf(attempts: readonly AttemptRecord[], priceOfModel: (id: string) => ModelPrice | undefined): Cost {
  let answer = 0;
  let wasted = 0;
  let complete = true;
  for (const attempt of attempts) {
    if (!attempt.usage) continue;
    const price = priceOfModel(attempt.model);
    if (!price) {
      complete = false;
      continue;
    }
    const amount = priceOf(attempt.usage, price);
    if (attempt.outcome === "success") answer += amount;
    else wasted += amount;
  }
  return { answer, wasted, total: answer + wasted, complete };
}
