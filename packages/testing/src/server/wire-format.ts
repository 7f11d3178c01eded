import type { FaultFinishReason, ProviderFailure, RetryHint } from "./fault-step.ts";
import type { ScriptedRequest } from "./scripted-request.ts";

/** Which wire format a request used. */
export type WireProvider = "openai" | "anthropic" | "gemini";

/** What the server needs to know of a request, read from its body (and, for Gemini, its URL). */
export interface ParsedRequest {
  /** The model: the body's `model` field, or (Gemini) the URL's `models/{model}:…`. */
  readonly model: string;
  /** Whether the client asked for SSE. */
  readonly stream: boolean;
  /** OpenAI: `stream_options.include_usage` (the others always send usage). */
  readonly includeUsage: boolean;
  /** Characters of prompt (system, messages, tools), for the log and the usage. */
  readonly promptChars: number;
  /** Whether the last message is the assistant's (a prefill; Gemini: the `model`'s). */
  readonly endsWithAssistant: boolean;
  /** The provider-neutral view a script gets. */
  readonly request: ScriptedRequest;
}

/** One tool call of an {@link Answer}. */
export interface AnswerToolCall {
  readonly id: string;
  readonly name: string;
  readonly args: unknown;
  readonly argsText: string;
  /** Gemini: send the call without its id. */
  readonly omitId: boolean;
  /** Gemini: the part's `thoughtSignature`; `undefined` for the default, `false` for none. */
  readonly thoughtSignature: string | false | undefined;
}

/** A complete answer, before a wire format renders it. */
export interface Answer {
  readonly id: string;
  readonly model: string;
  readonly text: string;
  readonly toolCalls: readonly AnswerToolCall[];
  readonly finishReason: FaultFinishReason;
  /** A finish reason in the provider's own words, sent instead of the translated one. */
  readonly rawFinishReason?: string;
  /** Tokens: `input` excludes the `cached` ones; `output` excludes the `reasoning` ones. */
  readonly usage: {
    readonly input: number;
    readonly output: number;
    readonly cached: number;
    readonly reasoning: number;
  };
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
  readonly provider: WireProvider;
  /** The header carrying the request id. */
  readonly requestIdHeader: string;
  /**
   * `false` for a provider that sends no request id of its own (Gemini): the
   * header then goes out only when a key echo asks for one there, as a proxy
   * in front of the provider may add it. Default: sent on every answer.
   */
  readonly sendsRequestId?: boolean;
  /** Reads a request (its JSON body and its URL); a reply when it is not a valid request. */
  parse(body: unknown, url: URL): ParsedRequest | HttpReply;
  /** An HTTP error reply. */
  failure(failure: ProviderFailure, context: FailureContext): HttpReply;
  /** Headers sent on every answer (the rate-limit window, which is not a retry delay). */
  windowHeaders(now: number): Record<string, string>;
  /** A non-streamed answer's body. */
  json(answer: Answer): string;
  /** A streamed answer's events, in order, terminal events included. */
  events(
    answer: Answer,
    options: { readonly includeUsage: boolean; readonly omitDone: boolean; readonly separateFinish?: boolean },
  ): SseEvent[];
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
  /** Whether the request asked for a stream (Gemini answers `content_policy` in the request's own format). */
  readonly stream: boolean;
  /** The request's URL (Gemini names its API version and method in a 404). */
  readonly url: URL;
  /** The prompt's estimated tokens (Gemini reports them with a blocked prompt). */
  readonly promptTokens: number;
  /** The API key the client sent, which some providers echo masked (`sk-…WXYZ`). */
  readonly apiKey: string | undefined;
}

/** Frames a server-sent event, its lines ended by `eol` (`\n` by default). */
export function sse(data: unknown, event?: string, eol = "\n"): string {
  const payload = typeof data === "string" ? data : JSON.stringify(data);
  return `${event ? `event: ${event}${eol}` : ""}data: ${payload}${eol}${eol}`;
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

/**
 * The prompt's size in characters from a list of messages with string or part
 * contents; 0 for a body nested too deep to write back as JSON (which
 * `JSON.parse` reads, but `JSON.stringify` overflows the stack on).
 */
export function promptCharsOf(...parts: unknown[]): number {
  try {
    return JSON.stringify(parts).length;
  } catch {
    return 0;
  }
}

/** A key as OpenAI echoes it in a 401: the first 3 and last 4 characters. */
export function maskKey(key: string | undefined): string {
  if (!key) return "<none>";
  return key.length > 8 ? `${key.slice(0, 3)}${"*".repeat(Math.min(20, key.length - 7))}${key.slice(-4)}` : "****";
}
