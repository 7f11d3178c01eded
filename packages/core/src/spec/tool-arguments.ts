import type { ToolCall } from "./chat-response.ts";

/**
 * Builds a {@link ToolCall} from the arguments text a model wrote. Invalid JSON
 * is reported in `argsError` (with `args` undefined), never thrown: the caller
 * decides whether to ask the model again.
 */
export function toolCallFromText(id: string, name: string, argsText: string): ToolCall {
  const text = argsText.trim() === "" ? "{}" : argsText;
  try {
    return { id, name, args: JSON.parse(text), argsText };
  } catch (error) {
    return { id, name, args: undefined, argsText, argsError: error instanceof Error ? error.message : String(error) };
  }
}
