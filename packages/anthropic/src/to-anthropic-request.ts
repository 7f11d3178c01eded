import type { ContentBlockParam, MessageCreateParamsBase, MessageParam } from "@anthropic-ai/sdk/resources/messages";
import { type ChatMessage, type ChatRequest, type ModelError, unsupportedFeature } from "@understudy/core/adapter";

/** How this model takes a request. */
export interface AnthropicRequestSettings {
  readonly provider: string;
  readonly modelId: string;
  /** `max_tokens` when the request names none (Anthropic requires one). */
  readonly defaultMaxTokens: number;
}

/** The body fields shared by streamed and non-streamed calls (without `stream`). */
export type AnthropicBody = Omit<MessageCreateParamsBase, "stream">;

const imageMediaTypes = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/**
 * Translates a neutral request into a Messages body: the system prompt goes
 * top-level, tool results become `tool_result` blocks of a user turn, images
 * become `image` blocks. What Claude cannot take is refused with kind
 * `unsupported`, naming it, before any call.
 */
export function toAnthropicRequest(request: ChatRequest, settings: AnthropicRequestSettings): AnthropicBody {
  const refuse = (feature: string) => unsupportedFeature({ provider: settings.provider, model: settings.modelId }, feature);
  if (request.temperature !== undefined && request.temperature > 1)
    throw refuse(`a temperature above 1 (got ${request.temperature})`);
  const body: Record<string, unknown> = {
    model: settings.modelId,
    max_tokens: request.maxTokens ?? settings.defaultMaxTokens,
    messages: mergeTurns(request.messages.map((message) => toMessage(message, refuse))),
  };
  if (request.system) body.system = request.system;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stopSequences?.length) body.stop_sequences = [...request.stopSequences];
  if (request.tools?.length) {
    body.tools = request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      input_schema: tool.inputSchema,
    }));
  }
  if (request.toolChoice !== undefined) body.tool_choice = toolChoiceOf(request.toolChoice);
  if (request.responseFormat?.type === "json") {
    body.output_config = { format: { type: "json_schema", schema: request.responseFormat.schema ?? { type: "object" } } };
  }
  return { ...body, ...request.providerOptions?.anthropic } as unknown as AnthropicBody;
}

function toolChoiceOf(choice: NonNullable<ChatRequest["toolChoice"]>): Record<string, unknown> {
  if (choice === "auto") return { type: "auto" };
  if (choice === "required") return { type: "any" };
  if (choice === "none") return { type: "none" };
  return { type: "tool", name: choice.name };
}

function toMessage(message: ChatMessage, refuse: (feature: string) => ModelError): MessageParam {
  switch (message.role) {
    case "user":
      if (typeof message.content === "string") return { role: "user", content: message.content };
      return {
        role: "user",
        content: message.content.map((part): ContentBlockParam => {
          if (part.type === "text") return { type: "text", text: part.text };
          if ("url" in part) return { type: "image", source: { type: "url", url: part.url } };
          if (!imageMediaTypes.has(part.mediaType))
            throw refuse(`an image of type ${part.mediaType} (it takes jpeg, png, gif, webp)`);
          return { type: "image", source: { type: "base64", media_type: part.mediaType as "image/png", data: part.data } };
        }),
      };
    case "assistant":
      if (typeof message.content === "string") return { role: "assistant", content: message.content };
      return {
        role: "assistant",
        content: message.content.map(
          (part): ContentBlockParam =>
            part.type === "text"
              ? { type: "text", text: part.text }
              : { type: "tool_use", id: part.id, name: part.name, input: part.args ?? {} },
        ),
      };
    case "tool":
      return {
        role: "user",
        content: message.content.map(
          (part): ContentBlockParam => ({
            type: "tool_result",
            tool_use_id: part.toolCallId,
            content: typeof part.result === "string" ? part.result : JSON.stringify(part.result ?? null),
            ...(part.isError ? { is_error: true } : {}),
          }),
        ),
      };
  }
}

/** Joins consecutive turns of one role (tool results followed by a user's text are one user turn to Claude). */
function mergeTurns(messages: readonly MessageParam[]): MessageParam[] {
  const merged: MessageParam[] = [];
  for (const message of messages) {
    const previous = merged.at(-1);
    if (previous && previous.role === message.role) {
      merged[merged.length - 1] = {
        role: message.role,
        content: [...blocksOf(previous.content), ...blocksOf(message.content)],
      } as MessageParam;
    } else {
      merged.push(message);
    }
  }
  return merged;
}

function blocksOf(content: MessageParam["content"]): ContentBlockParam[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : ([...content] as ContentBlockParam[]);
}
