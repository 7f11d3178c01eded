import type {
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3ResponseMetadata,
  LanguageModelV3Usage,
  SharedV3ProviderMetadata,
} from "@ai-sdk/provider";
import type { FallbackResult, FinishReason, ProviderMetadata, ToolCall, Usage } from "@understudy/core";
import { understudyMetadataOf } from "./understudy-metadata.ts";

/** An answer's content in the spec's order: its text, then its tool calls. */
export function contentOf(result: FallbackResult): LanguageModelV3Content[] {
  const text: LanguageModelV3Content[] =
    result.text.length > 0 ? [{ type: "text", text: result.text, ...metadataField(result.providerMetadata) }] : [];
  return [...text, ...result.toolCalls.map(toolCallContent)];
}

/** A complete tool call as the spec has it: the arguments as the model wrote them (`ai` parses and validates them). */
export function toolCallContent(call: ToolCall): Extract<LanguageModelV3Content, { type: "tool-call" }> {
  return {
    type: "tool-call",
    toolCallId: call.id,
    toolName: call.name,
    input: call.argsText,
    ...metadataField(call.providerMetadata),
  };
}

/** understudy's usage in the spec's shape: input split into uncached, cache reads and cache writes. */
export function specUsageOf(usage: Usage): LanguageModelV3Usage {
  return {
    inputTokens: {
      total: usage.inputTokens + usage.cachedInputTokens + usage.cacheWriteTokens,
      noCache: usage.inputTokens,
      cacheRead: usage.cachedInputTokens,
      cacheWrite: usage.cacheWriteTokens,
    },
    outputTokens: {
      total: usage.outputTokens,
      text: usage.outputTokens - usage.reasoningTokens,
      reasoning: usage.reasoningTokens,
    },
  };
}

/** The finish reason, unified. `raw` is the provider's own word, which a chain's answer does not keep. */
export function specFinishReasonOf(reason: FinishReason): LanguageModelV3FinishReason {
  return { unified: reason, raw: undefined };
}

/** The answering model's ids, so that `ai`'s `response.modelId` names the model that answered, not the chain. */
export function responseMetadataOf(result: FallbackResult, timestamp: Date): LanguageModelV3ResponseMetadata {
  return {
    ...(result.responseId === undefined ? {} : { id: result.responseId }),
    modelId: result.responseModel ?? result.modelId,
    timestamp,
  };
}

/** The answer's provider metadata, with the chain's account of the request under `understudy`. */
export function resultMetadataOf(result: FallbackResult): SharedV3ProviderMetadata {
  return { ...(result.providerMetadata as SharedV3ProviderMetadata | undefined), understudy: understudyMetadataOf(result) };
}

/** A part's provider metadata field, left out when there is none. */
export function metadataField(metadata: ProviderMetadata | undefined): { providerMetadata?: SharedV3ProviderMetadata } {
  return metadata ? { providerMetadata: metadata as SharedV3ProviderMetadata } : {};
}
