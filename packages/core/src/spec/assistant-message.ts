import type { AssistantMessage, TextPart, ToolCallPart } from "./chat-request.ts";
import type { ChatResponse } from "./chat-response.ts";

/**
 * The assistant message that records `response` in the conversation, for the
 * next turn: its text and its tool calls, each with the provider facts that
 * must come back with it (a Gemini thought signature is refused if it is lost).
 *
 * @example
 * ```ts
 * const result = await chat.generate(request);
 * const next = { ...request, messages: [...request.messages, assistantMessageOf(result), toolResults] };
 * ```
 */
export function assistantMessageOf(response: ChatResponse): AssistantMessage {
  const parts: (TextPart | ToolCallPart)[] = [];
  if (response.text !== "" || response.providerMetadata) {
    parts.push({
      type: "text",
      text: response.text,
      ...(response.providerMetadata ? { providerMetadata: response.providerMetadata } : {}),
    });
  }
  for (const call of response.toolCalls) {
    parts.push({
      type: "tool-call",
      id: call.id,
      name: call.name,
      args: call.args,
      ...(call.providerMetadata ? { providerMetadata: call.providerMetadata } : {}),
    });
  }
  return { role: "assistant", content: parts };
}
