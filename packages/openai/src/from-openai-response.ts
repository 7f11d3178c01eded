import {
  answerIds,
  type ChatResponse,
  type FailureSource,
  type FinishReason,
  ModelError,
  malformedAnswer,
  redactModelError,
  type ToolCall,
  tokenCount,
  toolCallFromText,
  type Usage,
} from "@understudy/core/adapter";
import { openAIErrorBodyFailure } from "./classify-openai-error.ts";

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

/** True for a non-null object that is not an array: the only shape a JSON object field may have. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * OpenAI's usage, normalised (`prompt_tokens` includes cached tokens, ours
 * does not) and made safe: every count goes through `tokenCount`, because a
 * compatible server may send `-5`, `"7"` or `1e308`.
 */
export function usageOf(usage: unknown): Usage {
  const fields = isRecord(usage) ? usage : {};
  const promptDetails = isRecord(fields.prompt_tokens_details) ? fields.prompt_tokens_details : {};
  const completionDetails = isRecord(fields.completion_tokens_details) ? fields.completion_tokens_details : {};
  const cached = tokenCount(promptDetails.cached_tokens);
  const output = tokenCount(fields.completion_tokens);
  return {
    inputTokens: Math.max(0, tokenCount(fields.prompt_tokens) - cached),
    cachedInputTokens: cached,
    cacheWriteTokens: 0,
    outputTokens: output,
    // Reasoning tokens are a part of the output: never more than all of it.
    reasoningTokens: Math.min(tokenCount(completionDetails.reasoning_tokens), output),
    estimated: false,
  };
}

/** A withheld answer (`content_filter` finish, or a refusal) is a `content_filter` failure carrying the provider's reason. */
export function contentFilterError(source: FailureSource, refusal: string | null | undefined): ModelError {
  const error = new ModelError({
    kind: "content_filter",
    provider: source.provider,
    model: source.model,
    message: refusal ? `the model refused: ${refusal}` : "the provider withheld the answer (finish_reason content_filter)",
    providerCode: refusal ? "refusal" : "content_filter",
    ...(refusal ? { providerMessage: refusal } : {}),
  });
  return redactModelError(error, source.secrets);
}

/**
 * Translates a complete Chat Completions answer, checking its shape first:
 * the body of a 200 is untrusted. An error object under a 200 is classified
 * like an API error; anything else that is not a chat completion, or a field
 * of the wrong type, is a `server` failure quoting the body.
 */
export function fromOpenAIResponse(body: unknown, requestId: string | null | undefined, source: FailureSource): ChatResponse {
  const malformed = (problem: string) => malformedAnswer(source, problem, body, requestId);
  if (isRecord(body) && isRecord(body.error) && body.choices === undefined) {
    throw openAIErrorBodyFailure(body.error, source, {
      where: "answered 200 with an error:",
      requestId,
      fallbackMessage: "an error without a message",
    });
  }
  if (!isRecord(body) || !Array.isArray(body.choices)) throw malformed("a body that is not a chat completion");
  const choice = body.choices[0];
  if (choice === undefined) throw malformed("a chat completion without choices");
  if (!isRecord(choice) || !isRecord(choice.message))
    throw malformed("a chat completion whose choices[0].message is not an object");
  const { message } = choice;
  if (!isOptional(message.refusal, "string") || !isOptional(choice.finish_reason, "string"))
    throw malformed("a chat completion whose refusal or finish_reason is not a string");
  if (choice.finish_reason === "content_filter" || message.refusal) throw contentFilterError(source, message.refusal);
  const text = textOf(message.content);
  if (text === undefined) throw malformed("a chat completion whose content is neither text nor null");
  const toolCalls = toolCallsOf(message.tool_calls);
  if (toolCalls === undefined) throw malformed("a chat completion with malformed tool_calls");
  return {
    text,
    toolCalls,
    finishReason: finishReasonOf(choice.finish_reason),
    usage: usageOf(body.usage),
    ...answerIds({ responseId: body.id, responseModel: body.model }, requestId, source),
  };
}

function isOptional(value: unknown, type: "string"): value is string | null | undefined {
  return value === null || value === undefined || typeof value === type;
}

/** A message's content: a string, null, or an array of text parts (joined); `undefined` for anything else. */
function textOf(content: unknown): string | undefined {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  let text = "";
  for (const part of content) {
    if (!isRecord(part) || typeof part.type !== "string") return undefined;
    if (part.type !== "text") continue;
    if (typeof part.text !== "string") return undefined;
    text += part.text;
  }
  return text;
}

/** Function tool calls (others skipped); `undefined` when one is malformed. Arguments sent as an object are taken too. */
function toolCallsOf(calls: unknown): ToolCall[] | undefined {
  if (calls === null || calls === undefined) return [];
  if (!Array.isArray(calls)) return undefined;
  const result: ToolCall[] = [];
  for (const call of calls) {
    if (!isRecord(call)) return undefined;
    if (call.type !== "function") continue;
    const fn = call.function;
    if (typeof call.id !== "string" || !isRecord(fn) || typeof fn.name !== "string") return undefined;
    const args =
      typeof fn.arguments === "string" ? fn.arguments : isRecord(fn.arguments) ? JSON.stringify(fn.arguments) : undefined;
    if (args === undefined) return undefined;
    result.push(toolCallFromText(call.id, fn.name, args));
  }
  return result;
}
