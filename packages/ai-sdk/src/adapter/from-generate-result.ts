import {
  answerIds,
  type ChatResponse,
  type FailureSource,
  malformedAnswer,
  mergeProviderMetadata,
  type ProviderMetadata,
  type ToolCall,
  toolCallFromText,
} from "@understudy/core/adapter";
import { finishReasonOf } from "./finish-reason.ts";
import { isRecord } from "./is-record.ts";
import { providerMetadataOf } from "./provider-metadata.ts";
import { usageOf } from "./usage-of.ts";

/**
 * Translates what `doGenerate` resolved with (v2, v3 or v4: the content
 * parts are the same) into a complete answer, checking its shape first: a
 * hand-made or wrapped model may return anything. Text parts are joined and
 * their provider facts merged; tool calls the provider ran itself
 * (`providerExecuted`) are not the caller's to run and are left out, as are
 * reasoning, sources and files. A finish reason that is no answer (withheld,
 * error, interrupted) throws.
 */
export function fromGenerateResult(result: unknown, requestId: string | null | undefined, source: FailureSource): ChatResponse {
  if (!isRecord(result) || !Array.isArray(result.content))
    throw malformedAnswer(source, "a result without a content list", isRecord(result) ? result.content : result, requestId);
  let text = "";
  let metadata: ProviderMetadata | undefined;
  const toolCalls: ToolCall[] = [];
  for (const part of result.content) {
    const malformed = (problem: string) => malformedAnswer(source, problem, part, requestId);
    if (!isRecord(part)) throw malformed("a content part that is not an object");
    if (part.type === "text") {
      if (typeof part.text !== "string") throw malformed("a text part whose text is not a string");
      text += part.text;
      metadata = mergeProviderMetadata(metadata, providerMetadataOf(part.providerMetadata));
    } else if (part.type === "tool-call" && part.providerExecuted !== true) {
      const call = toolCallOf(part);
      if (!call) throw malformed("a tool call of the wrong shape");
      toolCalls.push(call);
    }
  }
  const response = isRecord(result.response) ? result.response : {};
  return {
    text,
    toolCalls,
    finishReason: finishReasonOf(result.finishReason, source, { stream: false }, text),
    usage: usageOf(result.usage),
    ...answerIds({ responseId: response.id, responseModel: response.modelId }, requestId, source),
    ...(metadata ? { providerMetadata: metadata } : {}),
  };
}

/**
 * A tool call part (`toolCallId`, `toolName`, `input` as JSON text) as a
 * neutral call with its provider facts; `undefined` when a field has the
 * wrong type. Input sent as an object is taken too.
 */
export function toolCallOf(part: Record<string, unknown>): ToolCall | undefined {
  const { toolCallId, toolName, input } = part;
  if (typeof toolCallId !== "string" || typeof toolName !== "string") return undefined;
  const argsText = typeof input === "string" ? input : isRecord(input) ? JSON.stringify(input) : undefined;
  if (argsText === undefined) return undefined;
  const providerMetadata = providerMetadataOf(part.providerMetadata);
  return { ...toolCallFromText(toolCallId, toolName, argsText), ...(providerMetadata ? { providerMetadata } : {}) };
}
