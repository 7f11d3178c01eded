import { tokenCount } from "./token-count.ts";

/**
 * Token usage, normalised across providers: `inputTokens` never includes
 * cached tokens (OpenAI's `prompt_tokens` does, Anthropic's `input_tokens`
 * does not), and reasoning tokens are a part of `outputTokens` reported apart.
 */
export interface Usage {
  /** Input tokens processed at the full price (cache reads and writes excluded). */
  readonly inputTokens: number;
  /** Input tokens read from the provider's prompt cache. */
  readonly cachedInputTokens: number;
  /** Input tokens written to the provider's prompt cache (Anthropic bills them apart). */
  readonly cacheWriteTokens: number;
  /** Output tokens, reasoning included. */
  readonly outputTokens: number;
  /** The part of `outputTokens` spent on reasoning, where the provider says. */
  readonly reasoningTokens: number;
  /** True when the provider sent no usage (a stream that died) and this is an estimate. */
  readonly estimated: boolean;
}

/** Usage of nothing: the starting point of sums. */
export const zeroUsage: Usage = Object.freeze({
  inputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  estimated: false,
});

/** Adds two usages; the sum is estimated if either part is. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
    estimated: a.estimated || b.estimated,
  };
}

/** Total tokens of a usage (input of every kind plus output). */
export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.cachedInputTokens + usage.cacheWriteTokens + usage.outputTokens;
}

/**
 * A usage as an adapter reported it, made safe to add and price: every count
 * a whole number from 0 to `maxTokenCount`, `reasoningTokens` no more than
 * `outputTokens`. Adapters sanitise what their provider sends; the engine
 * does it again for any adapter, since one bad figure would make every total
 * and cost of the request wrong.
 */
export function safeUsage(usage: unknown): Usage {
  const fields = (typeof usage === "object" && usage !== null ? usage : {}) as Partial<Record<keyof Usage, unknown>>;
  const outputTokens = tokenCount(fields.outputTokens);
  return {
    inputTokens: tokenCount(fields.inputTokens),
    cachedInputTokens: tokenCount(fields.cachedInputTokens),
    cacheWriteTokens: tokenCount(fields.cacheWriteTokens),
    outputTokens,
    reasoningTokens: Math.min(tokenCount(fields.reasoningTokens), outputTokens),
    estimated: fields.estimated === true,
  };
}
