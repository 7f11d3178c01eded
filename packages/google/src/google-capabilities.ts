import type { ModelCapabilities } from "@understudy/core/adapter";

/** The model's name without a resource path (`models/…`, `publishers/google/models/…`, `projects/…/models/…`). */
export function bareModelId(modelId: string): string {
  return modelId.slice(modelId.lastIndexOf("/") + 1).toLowerCase();
}

/** A Gemini model's generation and line: `gemini-2.5-flash-lite` is 2.5, `flash-lite`; aliases (`gemini-flash-latest`) have no version. */
const geminiId = /^gemini-(?:(\d+)(?:\.(\d+))?-)?(pro|flash-lite|flash)\b/;

/**
 * What a Gemini model can take, from its id, as Google's model pages list it
 * (https://ai.google.dev/gemini-api/docs/models): a context window of
 * 1 048 576 input tokens (2 097 152 for Gemini 1.5 Pro), tools, images and
 * JSON output; reasoning (thinking before the first token) from Gemini 2.5
 * Pro and Flash on, and for every Gemini 3 model. Never a prefill: Gemini
 * wants a conversation to end with the user's turn or a function response.
 * Unknown ids get what every Gemini model has, and no context window.
 */
export function geminiCapabilities(modelId: string): ModelCapabilities {
  const match = geminiId.exec(bareModelId(modelId));
  if (!match) return { prefill: false };
  const major = match[1] === undefined ? undefined : Number(match[1]);
  const minor = Number(match[2] ?? 0);
  const line = match[3];
  const version = major === undefined ? undefined : major + minor / 10;
  const contextWindow = major === 1 && line === "pro" ? 2_097_152 : 1_048_576;
  // Aliases (`gemini-flash-latest`) name the current generation, which thinks.
  const reasoning = version === undefined ? line !== "flash-lite" : version >= 3 || (version >= 2.5 && line !== "flash-lite");
  return { contextWindow, tools: true, images: true, json: true, prefill: false, reasoning };
}

/**
 * Whether the model checks thought signatures of function calls (Gemini 3
 * and later, and the aliases that name them): another model's calls are then
 * sent with the signature that skips the check. Gemini 1.x and 2.x do not
 * check, and are sent none.
 */
export function checksThoughtSignatures(modelId: string): boolean {
  return !/^gemini-[12](?:[.-]|$)/.test(bareModelId(modelId));
}
