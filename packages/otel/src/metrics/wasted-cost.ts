import type { FallbackResult } from "@understudy/core";
import { totalTokens } from "@understudy/core";

/**
 * The request's wasted cost (`result.cost.wasted`) per model that wasted it.
 * The result prices its waste as one sum: it is exact when one priced model
 * wasted it (the usual case: the model the request fell over from), and
 * shared in proportion to each priced model's tokens when several did. A
 * model without a price costs nothing in that sum, so it takes no share
 * (`isPriced` says which have one; without it, every model is taken as
 * priced). Sharing by tokens is an estimate when the priced models' prices
 * differ: the exact cost of each call would have to come from the engine.
 */
export function wastedCostByModel(
  result: FallbackResult,
  isPriced: (model: string) => boolean = () => true,
): Map<string, number> {
  const shares = new Map<string, number>();
  const wasted = result.cost.wasted;
  if (!(wasted > 0)) return shares;
  let tokens = 0;
  for (const attempt of result.attempts) {
    if (attempt.outcome === "success" || attempt.outcome === "skipped" || !attempt.usage || !isPriced(attempt.model)) continue;
    const used = totalTokens(attempt.usage);
    shares.set(attempt.model, (shares.get(attempt.model) ?? 0) + used);
    tokens += used;
  }
  if (tokens === 0) return new Map();
  for (const [model, used] of shares) shares.set(model, (wasted * used) / tokens);
  for (const [model, amount] of shares) if (amount === 0) shares.delete(model);
  return shares;
}
