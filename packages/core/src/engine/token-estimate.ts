import type { ChatRequest } from "../spec/chat-request.ts";

/**
 * Rough token counts, for skipping models whose context window is too small
 * and for estimating the usage of a stream that died before reporting it.
 * Four characters a token errs on the small side for most text, so a model is
 * never skipped for a request it could take; the provider's own
 * `context_length` error covers the rest.
 */
const charsPerToken = 4;
const tokensPerImage = 1_000;

/** Estimated tokens of this many characters of text. */
export function tokensForChars(chars: number): number {
  return Math.ceil(chars / charsPerToken);
}

/** Estimated input tokens of a request (system, messages, tools). */
export function estimateRequestTokens(request: ChatRequest): number {
  let chars = request.system?.length ?? 0;
  let images = 0;
  for (const message of request.messages) {
    if (typeof message.content === "string") {
      chars += message.content.length;
      continue;
    }
    for (const part of message.content) {
      if (part.type === "text") chars += part.text.length;
      else if (part.type === "image") images++;
      else if (part.type === "tool-call") chars += JSON.stringify(part.args ?? {}).length + part.name.length;
      else chars += (typeof part.result === "string" ? part.result : JSON.stringify(part.result ?? null)).length;
    }
  }
  for (const tool of request.tools ?? []) chars += JSON.stringify(tool).length;
  return tokensForChars(chars) + images * tokensPerImage;
}
