import { maxTokenCount, tokenCount, type Usage } from "@understudy/core/adapter";
import { isRecord } from "./is-record.ts";

/**
 * An AI SDK usage, normalised and made safe. Two shapes exist: the v3/v4
 * object (`inputTokens: { total, noCache, cacheRead, cacheWrite }`,
 * `outputTokens: { total, text, reasoning }`) and the flat v2 one
 * (`inputTokens`, `cachedInputTokens`, `reasoningTokens`, …). The shape is
 * read from the value, not the model's version: a middleware may wrap one
 * in the other. Every count goes through `tokenCount`: a provider (or a
 * hand-made model) may report `-5`, `"7"`, `NaN` or `1e308`.
 */
export function usageOf(usage: unknown): Usage {
  const fields = isRecord(usage) ? usage : {};
  return isRecord(fields.inputTokens) || isRecord(fields.outputTokens) ? structuredUsage(fields) : flatUsage(fields);
}

/** A count when the provider reported one (even a bad one, read as 0), `undefined` when it left the field out. */
function reported(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : tokenCount(value);
}

/** The v3/v4 shape: input split by cache use; our `inputTokens` excludes cache reads and writes. */
function structuredUsage(fields: Record<string, unknown>): Usage {
  const input = isRecord(fields.inputTokens) ? fields.inputTokens : {};
  const output = isRecord(fields.outputTokens) ? fields.outputTokens : {};
  const cacheRead = tokenCount(input.cacheRead);
  const cacheWrite = tokenCount(input.cacheWrite);
  const uncached = reported(input.noCache) ?? Math.max(0, tokenCount(input.total) - cacheRead - cacheWrite);
  const reasoning = tokenCount(output.reasoning);
  const outputTokens = reported(output.total) ?? Math.min(tokenCount(output.text) + reasoning, maxTokenCount);
  return {
    inputTokens: uncached,
    cachedInputTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    outputTokens,
    // Reasoning tokens are a part of the output: never more than all of it.
    reasoningTokens: Math.min(reasoning, outputTokens),
    estimated: false,
  };
}

/**
 * The v2 shape. Its `inputTokens` is the whole prompt, cached tokens
 * included (as OpenAI counts it); the cache write count is not in it.
 */
function flatUsage(fields: Record<string, unknown>): Usage {
  const cached = tokenCount(fields.cachedInputTokens);
  const outputTokens = tokenCount(fields.outputTokens);
  return {
    inputTokens: Math.max(0, tokenCount(fields.inputTokens) - cached),
    cachedInputTokens: cached,
    cacheWriteTokens: 0,
    outputTokens,
    reasoningTokens: Math.min(tokenCount(fields.reasoningTokens), outputTokens),
    estimated: false,
  };
}
