import {
  type ChatResponse,
  type FailureSource,
  type FinishReason,
  ModelError,
  toolCallFromText,
  type Usage,
} from "@understudy/core";
import type { ChatCompletion } from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";

/** Maps OpenAI's finish reasons to the neutral set; `content_filter` is a failure, not a finish. */
export function finishReasonOf(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "stop":
      return "stop";
    case "length":
      return "length";
    case "tool_calls":
    case "function_call":
      return "tool-calls";
    default:
      return "other";
  }
}

/** OpenAI's usage, normalised: `prompt_tokens` includes cached tokens, ours does not. */
export function usageOf(usage: CompletionUsage | null | undefined): Usage {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    inputTokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cached),
    cachedInputTokens: cached,
    cacheWriteTokens: 0,
    outputTokens: usage?.completion_tokens ?? 0,
    reasoningTokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0,
    estimated: false,
  };
}

/** A withheld answer (`content_filter` finish, or a refusal) is a `content_filter` failure carrying the provider's reason. */
export function contentFilterError(source: FailureSource, refusal: string | null | undefined): ModelError {
  return new ModelError({
    kind: "content_filter",
    provider: source.provider,
    model: source.model,
    message: refusal ? `the model refused: ${refusal}` : "the provider withheld the answer (finish_reason content_filter)",
    providerCode: refusal ? "refusal" : "content_filter",
    ...(refusal ? { providerMessage: refusal } : {}),
  });
}

/** Translates a complete Chat Completions answer. */
export function fromOpenAIResponse(
  completion: ChatCompletion,
  requestId: string | null | undefined,
  source: FailureSource,
): ChatResponse {
  const choice = completion.choices[0];
  if (!choice) {
    throw new ModelError({
      kind: "server",
      provider: source.provider,
      model: source.model,
      message: "the answer has no choices",
    });
  }
  if (choice.finish_reason === "content_filter" || choice.message.refusal)
    throw contentFilterError(source, choice.message.refusal);
  const toolCalls = (choice.message.tool_calls ?? []).flatMap((call) =>
    call.type === "function" ? [toolCallFromText(call.id, call.function.name, call.function.arguments)] : [],
  );
  return {
    text: choice.message.content ?? "",
    toolCalls,
    finishReason: finishReasonOf(choice.finish_reason),
    usage: usageOf(completion.usage),
    responseId: completion.id,
    ...(requestId ? { requestId } : {}),
  };
}
