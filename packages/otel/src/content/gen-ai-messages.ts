import type { ChatMessage, ChatRequest, FallbackResult, ImagePart, TextPart, ToolCallPart } from "@understudy/core";
import { genAiFinishReason } from "../tracing/request-attributes.ts";

/**
 * A message part in the conventions' input/output JSON schemas (v1.41.1):
 * `text`, `tool_call`, `tool_call_response`, `uri` and `blob`.
 */
export type GenAiPart =
  | { readonly type: "text"; readonly content: string }
  | { readonly type: "tool_call"; readonly id: string; readonly name: string; readonly arguments: unknown }
  | { readonly type: "tool_call_response"; readonly id: string; readonly response: unknown }
  | { readonly type: "uri"; readonly modality: "image"; readonly uri: string }
  | { readonly type: "blob"; readonly modality: "image"; readonly mime_type: string | null; readonly content: string };

/** A message in the conventions' `ChatMessage` / `OutputMessage` shape. */
export interface GenAiMessage {
  /** `user`, `assistant` or `tool`. */
  readonly role: string;
  /** Its content, in order. */
  readonly parts: readonly GenAiPart[];
  /** Output messages only: why the model stopped. */
  readonly finish_reason?: string;
}

/** `gen_ai.system_instructions`: the system prompt as one text part, when there is one. */
export function systemInstructionsOf(request: ChatRequest): readonly GenAiPart[] | undefined {
  return request.system === undefined || request.system === "" ? undefined : [{ type: "text", content: request.system }];
}

/** `gen_ai.input.messages`: the conversation, oldest first (the system prompt is not in it). */
export function inputMessagesOf(request: ChatRequest): readonly GenAiMessage[] {
  return request.messages.map(messageOf);
}

/** `gen_ai.output.messages`: the answer as one assistant message, with its finish reason. */
export function outputMessagesOf(result: FallbackResult): readonly GenAiMessage[] {
  const parts: GenAiPart[] = result.text === "" ? [] : [{ type: "text", content: result.text }];
  for (const call of result.toolCalls) parts.push({ type: "tool_call", id: call.id, name: call.name, arguments: call.args });
  return [{ role: "assistant", parts, finish_reason: genAiFinishReason(result.finishReason) }];
}

function messageOf(message: ChatMessage): GenAiMessage {
  switch (message.role) {
    case "user":
      return {
        role: "user",
        parts: typeof message.content === "string" ? [textPart(message.content)] : message.content.map(userPart),
      };
    case "assistant":
      return {
        role: "assistant",
        parts: typeof message.content === "string" ? [textPart(message.content)] : message.content.map(assistantPart),
      };
    case "tool":
      return {
        role: "tool",
        parts: message.content.map((result) => ({ type: "tool_call_response", id: result.toolCallId, response: result.result })),
      };
  }
}

function textPart(content: string): GenAiPart {
  return { type: "text", content };
}

function userPart(part: TextPart | ImagePart): GenAiPart {
  return part.type === "text" ? textPart(part.text) : imagePart(part);
}

function assistantPart(part: TextPart | ToolCallPart): GenAiPart {
  return part.type === "text" ? textPart(part.text) : { type: "tool_call", id: part.id, name: part.name, arguments: part.args };
}

/**
 * An image as a `uri` part when it is a link; inline bytes (base64, or a
 * `data:` URL) as a `blob` part whose content is left empty: image data
 * would swamp any trace backend, and says nothing a trace needs.
 */
function imagePart(part: ImagePart): GenAiPart {
  if ("url" in part && !part.url.startsWith("data:")) return { type: "uri", modality: "image", uri: part.url };
  const mimeType = "mediaType" in part ? part.mediaType : (/^data:([^;,]+)/.exec(part.url)?.[1] ?? null);
  return { type: "blob", modality: "image", mime_type: mimeType, content: "" };
}
