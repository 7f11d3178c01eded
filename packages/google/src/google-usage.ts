import { maxTokenCount, tokenCount, type Usage } from "@understudy/core/adapter";
import { isRecord } from "./is-record.ts";

/**
 * Gemini's `usageMetadata`, normalised and made safe. Its `promptTokenCount`
 * includes the cached tokens (`cachedContentTokenCount`), ours does not; the
 * prompt of server-side tools (`toolUsePromptTokenCount`) is input too. Its
 * `candidatesTokenCount` leaves out the thinking (`thoughtsTokenCount`),
 * which ours counts in the output and reports apart. Every count goes
 * through `tokenCount`: a proxy may send `-5`, `"7"` or `1e308`.
 */
export function usageOf(usage: unknown): Usage {
  const fields = isRecord(usage) ? usage : {};
  const cached = tokenCount(fields.cachedContentTokenCount);
  const prompt = Math.min(tokenCount(fields.promptTokenCount) + tokenCount(fields.toolUsePromptTokenCount), maxTokenCount);
  const thoughts = tokenCount(fields.thoughtsTokenCount);
  const outputTokens = Math.min(tokenCount(fields.candidatesTokenCount) + thoughts, maxTokenCount);
  return {
    inputTokens: Math.max(0, prompt - cached),
    // Never more cached tokens than the prompt had.
    cachedInputTokens: Math.min(cached, prompt),
    cacheWriteTokens: 0,
    outputTokens,
    reasoningTokens: Math.min(thoughts, outputTokens),
    estimated: false,
  };
}
