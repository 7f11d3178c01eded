import type { FaultFinishReason, ProviderFailure, RetryHint } from "./fault-step.ts";

/** What the server needs to know of a request, read from either provider's body. */
export interface ParsedRequest {
  /** The `model` field. */
  readonly model: string;
  /** Whether the client asked for SSE. */
  readonly stream: boolean;
  /** OpenAI: `stream_options.include_usage`. */
  readonly includeUsage: boolean;
  /** Characters of prompt (system, messages, tools), for the log and the usage. */
  readonly promptChars: number;
  /** Whether the last message is the assistant's (a prefill). */
  readonly endsWithAssistant: boolean;
}

/** A complete answer, before a wire format renders it. */
export interface Answer {
  readonly id: string;
  readonly model: string;
  readonly text: string;
  readonly toolCalls: readonly {
    readonly id: string;
    readonly name: string;
    readonly args: unknown;
    readonly argsText: string;
  }[];
  readonly finishReason: FaultFinishReason;
  readonly usage: { readonly input: number; readonly output: number; readonly cached: number };
  /** Usage fields in the provider's own names that override the computed ones, sent as given. */
  readonly rawUsage?: Readonly<Record<string, unknown>>;
}

/** One server-sent event, already framed; `content` marks the events that count as tokens. */
export interface SseEvent {
  readonly text: string;
  readonly content: boolean;
}

/** A plain HTTP answer. */
export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Renders answers and failures in one provider's documented format. */
export interface WireFormat {
  /** Which provider this is. */
  readonly provider: "openai" | "anthropic";
  /** The header carrying the request id. */
  readonly requestIdHeader: string;
  /** Reads a request body; a reply when it is not a valid request. */
  parse(body: unknown): ParsedRequest | HttpReply;
  /** An HTTP error reply. */
  failure(failure: ProviderFailure, context: FailureContext): HttpReply;
  /** Headers sent on every answer (the rate-limit window, which is not a retry delay). */
  windowHeaders(now: number): Record<string, string>;
  /** A non-streamed answer's body. */
  json(answer: Answer): string;
  /** A streamed answer's events, in order, terminal events included. */
  events(answer: Answer, options: { readonly includeUsage: boolean; readonly omitDone: boolean }): SseEvent[];
  /** An error event sent after a 200. */
  streamFailure(failure: ProviderFailure, context: FailureContext): SseEvent;
  /** A malformed event (truncated JSON). */
  malformed(answer: Answer): SseEvent;
}

/** What a failure reply may mention. */
export interface FailureContext {
  readonly model: string;
  readonly retry: RetryHint | undefined;
  readonly now: number;
  /** The API key the client sent, which some providers echo masked (`sk-…WXYZ`). */
  readonly apiKey: string | undefined;
}

/** Frames a server-sent event. */
export function sse(data: unknown, event?: string): string {
  const payload = typeof data === "string" ? data : JSON.stringify(data);
  return `${event ? `event: ${event}\n` : ""}data: ${payload}\n\n`;
}

/** Retry-After headers for a hint (`retry-after` in seconds or as an HTTP date, `retry-after-ms`). */
export function retryHeaders(retry: RetryHint | undefined, now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  if (retry?.retryAfterSeconds !== undefined) headers["retry-after"] = String(retry.retryAfterSeconds);
  if (retry?.retryAfterDateInMs !== undefined) headers["retry-after"] = new Date(now + retry.retryAfterDateInMs).toUTCString();
  if (retry?.retryAfterMs !== undefined) headers["retry-after-ms"] = String(retry.retryAfterMs);
  return headers;
}

/** Splits answer text into the tokens a stream sends, one word (with its space) each. */
export function tokensOf(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** Splits a tool call's JSON arguments text into a few pieces, as providers stream them. */
export function argumentPieces(json: string): string[] {
  const size = Math.max(1, Math.ceil(json.length / 3));
  const pieces: string[] = [];
  for (let start = 0; start < json.length; start += size) pieces.push(json.slice(start, start + size));
  return pieces;
}

/** The prompt's size in characters from a list of messages with string or part contents. */
export function promptCharsOf(...parts: unknown[]): number {
  return JSON.stringify(parts).length;
}

/** A key as OpenAI echoes it in a 401: the first 3 and last 4 characters. */
export function maskKey(key: string | undefined): string {
  if (!key) return "<none>";
  return key.length > 8 ? `${key.slice(0, 3)}${"*".repeat(Math.min(20, key.length - 7))}${key.slice(-4)}` : "****";
}
