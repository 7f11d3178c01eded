import type { ChatRequest } from "@understudy/core";
import type { EvalSuite } from "../suite/define-eval.ts";

/** One model's share of a {@link CostEstimate}. */
export interface ModelCostEstimate {
  /** The chain id. */
  readonly model: string;
  /** Calls the run would make to it (one per prompt; retries are not foreseen). */
  readonly calls: number;
  /** Input tokens foreseen: a token per four characters of each request. */
  readonly inputTokens: number;
  /** Output tokens foreseen: each request's `maxTokens`, or the suite's `assumedOutputTokens`. */
  readonly outputTokens: number;
  /** What those tokens cost at its price; undefined when it has none. */
  readonly cost: number | undefined;
}

/** What a run is foreseen to cost, before it starts. */
export interface CostEstimate {
  /** Per model, in chain order. */
  readonly models: readonly ModelCostEstimate[];
  /** The priced models' costs, summed. */
  readonly total: number;
  /** Models without a price: `total` leaves them out. */
  readonly unpriced: readonly string[];
}

/**
 * Foresees what running `suite` costs: per model, a token per four characters
 * of each request (system prompt, messages, tools and response schema) in,
 * and each request's `maxTokens` (or `assumedOutputTokens`, default 1024)
 * out, at the model's price from the suite's `prices`. Output is priced at
 * its ceiling, so the figure is high for short answers; retries, and a
 * judge's calls, are not in it. Models without a price are named in `unpriced`.
 */
export function estimateCost(suite: EvalSuite): CostEstimate {
  return estimatePairs(
    suite,
    suite.prompts.flatMap((prompt) => suite.models.map((model) => ({ request: prompt.request, model }))),
  );
}

/** {@link estimateCost} of some prompt×model pairs (those a resumed run has left to do). */
export function estimatePairs(
  suite: EvalSuite,
  pairs: readonly { readonly request: ChatRequest; readonly model: string }[],
): CostEstimate {
  const assumed = suite.assumedOutputTokens ?? 1024;
  const models = suite.models.map((model): ModelCostEstimate => {
    const mine = pairs.filter((pair) => pair.model === model);
    const inputTokens = mine.reduce((sum, pair) => sum + Math.ceil(requestChars(pair.request) / 4), 0);
    const outputTokens = mine.reduce((sum, pair) => sum + (pair.request.maxTokens ?? assumed), 0);
    const price = suite.prices?.[model];
    const cost = price && (inputTokens * price.inputPerMillion + outputTokens * price.outputPerMillion) / 1_000_000;
    return { model, calls: mine.length, inputTokens, outputTokens, cost };
  });
  return {
    models,
    total: models.reduce((sum, model) => sum + (model.cost ?? 0), 0),
    unpriced: models.filter((model) => model.cost === undefined && model.calls > 0).map((model) => model.model),
  };
}

/** The characters a request sends: the system prompt, each message's text, the tools and the response schema. */
function requestChars(request: ChatRequest): number {
  let chars = request.system?.length ?? 0;
  for (const message of request.messages) {
    if (typeof message.content === "string") chars += message.content.length;
    else chars += JSON.stringify(message.content).length;
  }
  if (request.tools) chars += JSON.stringify(request.tools).length;
  if (request.responseFormat?.type === "json" && request.responseFormat.schema) {
    chars += JSON.stringify(request.responseFormat.schema).length;
  }
  return chars;
}
