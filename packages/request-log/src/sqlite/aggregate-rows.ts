import type { SQLInputValue } from "node:sqlite";
import { ConfigError } from "@understudy/core";
import type { SpendTotals } from "../reader/request-log-reader.ts";

// What the SQLite and PostgreSQL readers share beyond their SQL: the checks of
// a question's numbers and the decoding of aggregate rows, so that both
// answer alike.

type Row = Record<string, SQLInputValue>;

/** A model's spend on a side it has no calls on. */
export const noSpend: SpendTotals = Object.freeze({
  calls: 0,
  inputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  cost: 0,
  unpricedCalls: 0,
});

/** A spend row (`calls`, the token totals, `cost`, `unpriced`) as its totals. */
export function spendOf(row: Row): SpendTotals {
  return {
    calls: Number(row.calls),
    inputTokens: Number(row.input_tokens),
    cachedInputTokens: Number(row.cached_input_tokens),
    cacheWriteTokens: Number(row.cache_write_tokens),
    outputTokens: Number(row.output_tokens),
    cost: Number(row.cost),
    unpricedCalls: Number(row.unpriced),
  };
}

/** A column that may be NULL, as a number or undefined. */
export function optionalNumber(value: SQLInputValue | undefined): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}

/** A question's `bucketMs`, checked: a positive whole number of ms. */
export function checkedBucketMs(bucketMs: number): number {
  if (!(Number.isInteger(bucketMs) && bucketMs > 0)) {
    throw new ConfigError(
      "query.bucketMs",
      `must be a positive whole number of ms, got ${bucketMs}`,
      "use e.g. 3_600_000 for hours",
    );
  }
  return bucketMs;
}
