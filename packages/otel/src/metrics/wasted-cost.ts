import type { FallbackResult } from "@understudy/core";
import { totalTokens } from "@understudy/core";

/**
 * The request's wasted cost (`result.cost.wasted`) per model that wasted it.
 * The result prices its waste as one sum: it is exact when one model
 * wasted it (the usual case: the model the request fell over from), and
 * shared in proportion to each model's tokens when several did.
 */
export function wastedCostByModel(result: FallbackResult): Map<string, number> {
  const shares = new Map<string, number>();
  const wasted = result.cost.wasted;
  if (!(wasted > 0)) return shares;
  let tokens = 0;
  for (const attempt of result.attempts) {
    if (attempt.outcome === "success" || attempt.outcome === "skipped" || !attempt.usage) continue;
    const used = totalTokens(attempt.usage);
    shares.set(attempt.model, (shares.get(attempt.model) ?? 0) + used);
    tokens += used;
  }
  if (tokens === 0) return new Map();
  for (const [model, used] of shares) shares.set(model, (wasted * used) / tokens);
  for (const [model, amount] of shares) if (amount === 0) shares.delete(model);
  return shares;
}
