import type { Message } from "@anthropic-ai/sdk/resources/messages";
import {
  type ChatResponse,
  type FailureSource,
  type FinishReason,
  ModelError,
  type ToolCall,
  type Usage,
} from "@understudy/core";

/** Maps Claude's stop reasons to the neutral set; `refusal` is a failure, not a finish. */
export function finishReasonOf(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "end_turn":
    case "stop_sequence":
      return "stop";
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool-calls";
    default:
      return "other";
  }
}

/** The fields of Anthropic's usage this adapter reads (message_start and message_delta carry parts of it). */
export interface AnthropicUsage {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
}

/** Anthropic's usage, normalised: its `input_tokens` already excludes cache reads and writes. */
export function usageOf(usage: AnthropicUsage | undefined): Usage {
  return {
    inputTokens: usage?.input_tokens ?? 0,
    cachedInputTokens: usage?.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage?.cache_creation_input_tokens ?? 0,
    outputTokens: usage?.output_tokens ?? 0,
    reasoningTokens: 0,
    estimated: false,
  };
}

/** A `refusal` stop: the model's streaming classifiers withheld the answer. */
export function refusalError(source: FailureSource): ModelError {
  return new ModelError({
    kind: "content_filter",
    provider: source.provider,
    model: source.model,
    message: "the model refused to answer (stop_reason refusal)",
    providerCode: "refusal",
  });
}

/** Translates a complete Messages answer. */
export function fromAnthropicResponse(
  message: Message,
  requestId: string | null | undefined,
  source: FailureSource,
): ChatResponse {
  if (message.stop_reason === "refusal") throw refusalError(source);
  const toolCalls: ToolCall[] = [];
  let text = "";
  for (const block of message.content) {
    if (block.type === "text") text += block.text;
    else if (block.type === "tool_use")
      toolCalls.push({ id: block.id, name: block.name, args: block.input, argsText: JSON.stringify(block.input) });
  }
  return {
    text,
    toolCalls,
    finishReason: finishReasonOf(message.stop_reason),
    usage: usageOf(message.usage),
    responseId: message.id,
    ...(requestId ? { requestId } : {}),
  };
}
