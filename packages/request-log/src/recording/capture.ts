import type { ChatMessage, ChatRequest, FallbackResult } from "@understudy/core";
import { redactSecrets } from "@understudy/core/adapter";

/**
 * Whether prompts and answers are kept. Off by default: a prompt holds what
 * your users typed. When on, each text passes `redactSecrets` (your `secrets`,
 * and anything shaped like a provider key) and is cut at `maxChars`.
 */
export interface CaptureOptions {
  /** Keep each sampled request's system prompt and messages. Default false. */
  readonly prompts?: boolean;
  /** Keep each sampled answer's text and tool calls. Default false. */
  readonly answers?: boolean;
  /** Share of requests whose content is kept, from 0 to 1. Default 1 (all, when `prompts` or `answers` is on). */
  readonly sampleRate?: number;
  /** Strings to remove from captured text and error messages (API keys, tokens of your own), whole or in part. */
  readonly secrets?: readonly string[];
  /** Longest text kept per field, in characters; the rest is cut with a note. Default 32 768. */
  readonly maxChars?: number;
}

/** What to keep of one request's content, decided when it starts. */
export interface CaptureChoice {
  readonly prompt: boolean;
  readonly answer: boolean;
}

const nothing: CaptureChoice = Object.freeze({ prompt: false, answer: false });

/** Draws whether this request's content is kept; nothing at all unless capture is on. */
export function chooseCapture(options: CaptureOptions | undefined): CaptureChoice {
  if (!options || !(options.prompts || options.answers)) return nothing;
  if (Math.random() >= (options.sampleRate ?? 1)) return nothing;
  return { prompt: options.prompts === true, answer: options.answers === true };
}

/** Removes secrets and bounds a text that goes into the log. */
export function cleanText(text: string, options: CaptureOptions | undefined): string {
  const clean = redactSecrets(text, options?.secrets ?? []);
  const maxChars = options?.maxChars ?? defaultMaxChars;
  if (clean.length <= maxChars) return clean;
  return `${clean.slice(0, maxChars)}…[${clean.length - maxChars} more characters not kept]`;
}

/** The default of {@link CaptureOptions.maxChars}. */
export const defaultMaxChars = 32_768;

/** The prompt as JSON: system and messages, image data replaced by its size (it would dwarf the text). */
export function promptText(request: ChatRequest): string {
  const messages = request.messages.map(withoutImageData);
  return JSON.stringify(request.system === undefined ? { messages } : { system: request.system, messages });
}

/** The answer: its text, then one line per tool call. */
export function answerText(result: Pick<FallbackResult, "text" | "toolCalls">): string {
  const calls = result.toolCalls.map((call) => `\n[tool call] ${call.name} ${JSON.stringify(call.args)}`);
  return result.text + calls.join("");
}

function withoutImageData(message: ChatMessage): ChatMessage {
  if (message.role !== "user" || typeof message.content === "string") return message;
  const content = message.content.map((part) =>
    part.type === "image" && "data" in part
      ? { type: "text" as const, text: `[image ${part.mediaType}, ${part.data.length} base64 characters]` }
      : part,
  );
  return { ...message, content };
}
