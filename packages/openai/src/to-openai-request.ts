import { type ChatMessage, type ChatRequest, unsupportedFeature } from "@understudy/core/adapter";
import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";

/** How this model takes a request. */
export interface OpenAIRequestSettings {
  readonly provider: string;
  readonly modelId: string;
  /** Reasoning models take `max_completion_tokens`, no temperature, and `developer` system messages. */
  readonly reasoning: boolean;
  readonly maxTokensField: "max_tokens" | "max_completion_tokens";
  readonly systemRole: "system" | "developer";
}

/** The body fields shared by streamed and non-streamed calls (without `stream`). */
export type OpenAIBody = Omit<ChatCompletionCreateParamsBase, "stream">;

/** OpenAI accepts at most four stop sequences. */
const maxStopSequences = 4;

/**
 * Translates a neutral request into a Chat Completions body. A feature the
 * model cannot express is refused with kind `unsupported`, naming it, before
 * any call: never dropped silently.
 */
export function toOpenAIRequest(request: ChatRequest, settings: OpenAIRequestSettings): OpenAIBody {
  const refuse = (feature: string) => unsupportedFeature({ provider: settings.provider, model: settings.modelId }, feature);
  if (settings.reasoning && request.temperature !== undefined && request.temperature !== 1)
    throw refuse("a temperature (reasoning models sample at 1)");
  if ((request.stopSequences?.length ?? 0) > maxStopSequences) throw refuse(`more than ${maxStopSequences} stop sequences`);
  const body: Record<string, unknown> = {
    model: settings.modelId,
    messages: [
      ...(request.system ? [{ role: settings.systemRole, content: request.system }] : []),
      ...request.messages.flatMap(toMessages),
    ],
  };
  if (request.maxTokens !== undefined) body[settings.maxTokensField] = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stopSequences?.length) body.stop = [...request.stopSequences];
  if (request.tools?.length) {
    body.tools = request.tools.map((tool) => ({
      type: "function",
      function: { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: tool.inputSchema },
    }));
  }
  if (request.toolChoice !== undefined) {
    body.tool_choice =
      typeof request.toolChoice === "string"
        ? request.toolChoice
        : { type: "function", function: { name: request.toolChoice.name } };
  }
  if (request.responseFormat?.type === "json") {
    const { schema, name } = request.responseFormat;
    body.response_format = schema
      ? { type: "json_schema", json_schema: { name: name ?? "response", schema } }
      : { type: "json_object" };
  }
  return { ...body, ...request.providerOptions?.openai } as unknown as OpenAIBody;
}

function toMessages(message: ChatMessage): ChatCompletionMessageParam[] {
  switch (message.role) {
    case "user":
      return [{ role: "user", content: typeof message.content === "string" ? message.content : message.content.map(toUserPart) }];
    case "assistant": {
      if (typeof message.content === "string") return [{ role: "assistant", content: message.content }];
      const text = message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");
      const toolCalls = message.content.flatMap((part) =>
        part.type === "tool-call"
          ? [
              {
                id: part.id,
                type: "function" as const,
                function: { name: part.name, arguments: JSON.stringify(part.args ?? {}) },
              },
            ]
          : [],
      );
      return [{ role: "assistant", content: text || null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) }];
    }
    case "tool":
      return message.content.map((part) => ({
        role: "tool" as const,
        tool_call_id: part.toolCallId,
        content: typeof part.result === "string" ? part.result : JSON.stringify(part.result ?? null),
      }));
  }
}

function toUserPart(part: Exclude<Extract<ChatMessage, { role: "user" }>["content"], string>[number]): ChatCompletionContentPart {
  if (part.type === "text") return { type: "text", text: part.text };
  const url = "url" in part ? part.url : `data:${part.mediaType};base64,${part.data}`;
  return { type: "image_url", image_url: { url } };
}
