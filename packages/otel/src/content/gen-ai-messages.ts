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

/**
 * What becomes of the content on its way into the messages: each text (a
 * part's text, a tool's name, an image link) through `text`, each arbitrary
 * value (a tool call's arguments, a tool's result) through `value`. The
 * schema's own fields (`role`, `type`, `finish_reason`, ids) are left as
 * they are, so the messages keep their shape whatever is done to the content.
 */
export interface ContentFilter {
  /** A piece of text, as it is to be recorded. */
  text(value: string): string;
  /** An arbitrary JSON value, as it is to be recorded. */
  value(value: unknown): unknown;
}

/** Records the content as it is. */
export const unfiltered: ContentFilter = { text: (value) => value, value: (value) => value };

/** `gen_ai.system_instructions`: the system prompt as one text part, when there is one. */
export function systemInstructionsOf(request: ChatRequest, filter = unfiltered): readonly GenAiPart[] | undefined {
  return request.system === undefined || request.system === "" ? undefined : [textPart(request.system, filter)];
}

/** `gen_ai.input.messages`: the conversation, oldest first (the system prompt is not in it). */
export function inputMessagesOf(request: ChatRequest, filter = unfiltered): readonly GenAiMessage[] {
  return request.messages.map((message) => messageOf(message, filter));
}

/** `gen_ai.output.messages`: the answer as one assistant message, with its finish reason. */
export function outputMessagesOf(result: FallbackResult, filter = unfiltered): readonly GenAiMessage[] {
  const parts: GenAiPart[] = result.text === "" ? [] : [textPart(result.text, filter)];
  for (const call of result.toolCalls) parts.push(toolCallPart(call.id, call.name, call.args, filter));
  return [{ role: "assistant", parts, finish_reason: genAiFinishReason(result.finishReason) }];
}

function messageOf(message: ChatMessage, filter: ContentFilter): GenAiMessage {
  switch (message.role) {
    case "user":
      return {
        role: "user",
        parts:
          typeof message.content === "string"
            ? [textPart(message.content, filter)]
            : message.content.map((part) => (part.type === "text" ? textPart(part.text, filter) : imagePart(part, filter))),
      };
    case "assistant":
      return {
        role: "assistant",
        parts:
          typeof message.content === "string"
            ? [textPart(message.content, filter)]
            : message.content.map((part) => assistantPart(part, filter)),
      };
    case "tool":
      return {
        role: "tool",
        parts: message.content.map((result) => ({
          type: "tool_call_response",
          id: result.toolCallId,
          response: filter.value(result.result),
        })),
      };
  }
}

function textPart(content: string, filter: ContentFilter): GenAiPart {
  return { type: "text", content: filter.text(content) };
}

function toolCallPart(id: string, name: string, args: unknown, filter: ContentFilter): GenAiPart {
  return { type: "tool_call", id, name: filter.text(name), arguments: filter.value(args) };
}

function assistantPart(part: TextPart | ToolCallPart, filter: ContentFilter): GenAiPart {
  return part.type === "text" ? textPart(part.text, filter) : toolCallPart(part.id, part.name, part.args, filter);
}

/**
 * An image as a `uri` part when it is a link (without what may authorise it:
 * see {@link linkWithoutCredentials}); inline bytes (base64, or a `data:`
 * URL) as a `blob` part whose content is left empty: image data would swamp
 * any trace backend, and says nothing a trace needs.
 */
function imagePart(part: ImagePart, filter: ContentFilter): GenAiPart {
  if ("url" in part && !part.url.startsWith("data:")) {
    return { type: "uri", modality: "image", uri: filter.text(linkWithoutCredentials(part.url)) };
  }
  const mimeType = "mediaType" in part ? part.mediaType : (/^data:([^;,]+)/.exec(part.url)?.[1] ?? null);
  return { type: "blob", modality: "image", mime_type: mimeType, content: "" };
}

/**
 * A link without its query, fragment and user info: a signed URL (S3, GCS,
 * Azure SAS) carries its signature in the query, and a link may carry a
 * password; the path says which image it was.
 */
export function linkWithoutCredentials(link: string): string {
  try {
    const url = new URL(link);
    url.search = "";
    url.hash = "";
    url.username = "";
    url.password = "";
    return url.href;
  } catch {
    return link.split(/[?#]/, 1)[0] ?? "";
  }
}
