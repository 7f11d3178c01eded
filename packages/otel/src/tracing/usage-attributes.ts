import type { Attributes } from "@opentelemetry/api";
import type { Usage } from "@understudy/core";
import { genAiAttr } from "../conventions/gen-ai.ts";
import { understudyAttr } from "../conventions/understudy-attributes.ts";

/**
 * The input tokens as the conventions count them: all of them, cache reads
 * and writes included. understudy's `inputTokens` excludes both (they are
 * priced apart), so they are added back.
 */
export function inputTokensOf(usage: Usage): number {
  return usage.inputTokens + usage.cachedInputTokens + usage.cacheWriteTokens;
}

/**
 * The `gen_ai.usage.*` attributes of a call. Cache and reasoning counts
 * appear only when non-zero: a zero says nothing a provider without a cache
 * or reasoning would not. An estimate (a stream that died without usage) is
 * marked `understudy.usage.estimated`.
 */
export function usageAttributes(usage: Usage): Attributes {
  return {
    [genAiAttr.usageInputTokens]: inputTokensOf(usage),
    [genAiAttr.usageOutputTokens]: usage.outputTokens,
    ...(usage.cachedInputTokens > 0 ? { [genAiAttr.usageCacheReadInputTokens]: usage.cachedInputTokens } : {}),
    ...(usage.cacheWriteTokens > 0 ? { [genAiAttr.usageCacheCreationInputTokens]: usage.cacheWriteTokens } : {}),
    ...(usage.reasoningTokens > 0 ? { [genAiAttr.usageReasoningOutputTokens]: usage.reasoningTokens } : {}),
    ...(usage.estimated ? { [understudyAttr.usageEstimated]: true } : {}),
  };
}
