import type { ChatRequest } from "../spec/chat-request.ts";
import type { ModelCapabilities } from "../spec/model-adapter.ts";
import { estimateRequestTokens } from "./token-estimate.ts";

/**
 * Why a model cannot take a request, from its declared capabilities, or
 * `undefined` when it can (or might: unknown capabilities are assumed present).
 * `minContextWindow` excludes models no larger than one that already answered
 * `context_length` for this request.
 */
export function capabilityMismatch(
  request: ChatRequest,
  capabilities: ModelCapabilities | undefined,
  minContextWindow: number,
): string | undefined {
  if (!capabilities) return undefined;
  if (capabilities.tools === false && (request.tools?.length ?? 0) > 0)
    return "the request has tools and the model cannot call tools";
  if (capabilities.images === false && hasImages(request)) return "the request has images and the model does not accept images";
  if (capabilities.json === false && request.responseFormat?.type === "json")
    return "the request asks for JSON output and the model cannot be asked for it";
  if (capabilities.prefill === false && request.messages.at(-1)?.role === "assistant")
    return "the request ends in an assistant prefill and the model rejects prefills";
  const window = capabilities.contextWindow;
  if (window !== undefined) {
    if (window <= minContextWindow)
      return `its context window (${window}) is no larger than that of a model that found the prompt too long`;
    const needed = estimateRequestTokens(request) + (request.maxTokens ?? 0);
    if (needed > window) return `the request needs about ${needed} tokens and the context window holds ${window}`;
  }
  return undefined;
}

function hasImages(request: ChatRequest): boolean {
  return request.messages.some(
    (message) =>
      message.role === "user" && typeof message.content !== "string" && message.content.some((part) => part.type === "image"),
  );
}
