import {
  answerIds,
  type ChatResponse,
  type FailureSource,
  type FinishReason,
  ModelError,
  malformedAnswer,
  type ToolCall,
  tokenCount,
  type Usage,
} from "@understudy/core/adapter";
import { anthropicErrorBodyFailure } from "./classify-anthropic-error.ts";

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

/** True for a non-null object that is not an array: the only shape a JSON object field may have. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Anthropic's usage, normalised (its `input_tokens` already excludes cache
 * reads and writes) and made safe: every count goes through `tokenCount`,
 * because a proxy may send `-5`, `"7"` or `1e308`.
 */
export function usageOf(usage: unknown): Usage {
  const fields = isRecord(usage) ? usage : {};
  return {
    inputTokens: tokenCount(fields.input_tokens),
    cachedInputTokens: tokenCount(fields.cache_read_input_tokens),
    cacheWriteTokens: tokenCount(fields.cache_creation_input_tokens),
    outputTokens: tokenCount(fields.output_tokens),
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

/**
 * Translates a complete Messages answer, checking its shape first: the body
 * of a 200 is untrusted. An error object under a 200 is classified like an
 * API error; anything else that is not a message, or a content block of the
 * wrong shape, is a `server` failure quoting the body.
 */
export function fromAnthropicResponse(body: unknown, requestId: string | null | undefined, source: FailureSource): ChatResponse {
  const malformed = (problem: string) => malformedAnswer(source, problem, body, requestId);
  if (isRecord(body) && isRecord(body.error) && body.content === undefined) {
    throw anthropicErrorBodyFailure(body, source, {
      where: "answered 200 with an error:",
      requestId,
      fallbackMessage: "an error without a message",
    });
  }
  if (!isRecord(body) || !Array.isArray(body.content)) throw malformed("a body that is not a message");
  const stopReason = body.stop_reason;
  if (stopReason !== null && stopReason !== undefined && typeof stopReason !== "string")
    throw malformed("a message whose stop_reason is not a string");
  if (stopReason === "refusal") throw refusalError(source);
  const toolCalls: ToolCall[] = [];
  let text = "";
  for (const [index, block] of body.content.entries()) {
    const problem = isRecord(block) ? blockProblem(block) : "is not a content block";
    if (problem || !isRecord(block)) throw malformed(`a message whose content[${index}] ${problem}`);
    if (block.type === "text") text += block.text as string;
    else if (block.type === "tool_use") {
      toolCalls.push({
        id: block.id as string,
        name: block.name as string,
        args: block.input,
        argsText: JSON.stringify(block.input),
      });
    }
  }
  return {
    text,
    toolCalls,
    finishReason: finishReasonOf(stopReason),
    usage: usageOf(body.usage),
    ...answerIds({ responseId: body.id, responseModel: body.model }, requestId, source),
  };
}

/** What is wrong with a content block, or `undefined`; blocks of other types (thinking, server tools) are fine and skipped. */
function blockProblem(block: Record<string, unknown>): string | undefined {
  if (typeof block.type !== "string") return "is not a content block";
  if (block.type === "text" && typeof block.text !== "string") return "is a text block whose text is not a string";
  if (block.type === "tool_use") {
    if (typeof block.id !== "string" || typeof block.name !== "string") return "is a tool_use block without a string id and name";
    if (!isRecord(block.input)) return "is a tool_use block whose input is not an object";
  }
  return undefined;
}
