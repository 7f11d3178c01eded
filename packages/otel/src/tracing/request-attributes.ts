import type { Attributes } from "@opentelemetry/api";
import type { ChatRequest, FinishReason } from "@understudy/core";
import { genAiAttr } from "../conventions/gen-ai.ts";

/**
 * The request parameters the caller set, as `gen_ai.request.*` (and
 * `gen_ai.output.type` when an output format was asked for). Unset ones
 * are left out: the conventions record what the request includes.
 */
export function requestAttributes(request: ChatRequest): Attributes {
  const attributes: Attributes = {};
  if (request.maxTokens !== undefined) attributes[genAiAttr.requestMaxTokens] = request.maxTokens;
  if (request.temperature !== undefined) attributes[genAiAttr.requestTemperature] = request.temperature;
  if (request.topP !== undefined) attributes[genAiAttr.requestTopP] = request.topP;
  if (request.stopSequences !== undefined) attributes[genAiAttr.requestStopSequences] = [...request.stopSequences];
  if (request.responseFormat !== undefined) attributes[genAiAttr.outputType] = request.responseFormat.type;
  return attributes;
}

const finishReasons: Readonly<Record<FinishReason, string>> = {
  stop: "stop",
  length: "length",
  "tool-calls": "tool_call",
  "content-filter": "content_filter",
  other: "other",
};

/**
 * A neutral finish reason in the conventions' words (the output-message
 * schema's `FinishReason`: `stop`, `length`, `tool_call`, `content_filter`);
 * `other` stays `other`, as the schema allows any string.
 */
export function genAiFinishReason(reason: FinishReason): string {
  return finishReasons[reason] ?? reason;
}
