import { type FaultScript, type PromptRule, type ScriptedRequest, scriptByPrompt } from "./scripted-request.ts";

/**
 * What the fault server does with one request. Fields combine; an empty step is
 * a healthy answer. Failures are named by meaning (`overloaded`, `quota`), and
 * each wire format renders them the way its provider documents them.
 */

/**
 * A provider failure, rendered in the provider's own error format. `auth` is
 * what the provider answers to a bad API key (OpenAI and Anthropic: a 401;
 * Gemini: a 400 `INVALID_ARGUMENT` "API key not valid"); `unauthenticated` is
 * a 401 in every format (Gemini: `UNAUTHENTICATED`, as for a bad OAuth token).
 */
export type ProviderFailure =
  | "rate_limit"
  | "quota"
  | "billing"
  | "overloaded"
  | "server"
  | "bad_gateway"
  | "gateway_timeout"
  | "context_length"
  | "content_policy"
  | "auth"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "invalid_request"
  | "unprocessable"
  | "prefill_rejected";

/** How a rate-limit answer says when to come back. */
export interface RetryHint {
  /** `retry-after: <seconds>`. */
  readonly retryAfterSeconds?: number;
  /** `retry-after: <HTTP date>` this many ms from now. */
  readonly retryAfterDateInMs?: number;
  /** `retry-after-ms: <ms>` (OpenAI). */
  readonly retryAfterMs?: number;
  /**
   * Gemini only: the `google.rpc.RetryInfo` `retryDelay` of the error body,
   * sent exactly as written, for values no well-behaved provider sends
   * (`"-5s"`, `"1e12s"`, `"soon"`). Gemini says when to come back in the body,
   * not in headers: without this, the Gemini format renders the hint's
   * `retryAfterMs`, else `retryAfterSeconds`, else `retryAfterDateInMs` as a
   * Duration (`"36s"`, `"0.5s"`).
   */
  readonly retryDelay?: string;
  /**
   * Only the rate-limit reset headers, this many ms from now: OpenAI
   * `x-ratelimit-reset-requests: 6m0s` style durations, Anthropic
   * `anthropic-ratelimit-requests-reset: <RFC 3339>` timestamps.
   */
  readonly resetInMs?: number;
  /**
   * More headers, sent exactly as written, for values no well-behaved
   * provider sends: `{ "retry-after-ms": "1e12" }`, `{ "x-ratelimit-reset-requests": "99999h" }`.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A neutral finish reason the wire formats translate: `tool-calls` → OpenAI
 * `tool_calls`, Anthropic `tool_use`, Gemini `STOP` (Gemini says STOP with
 * function calls); `length` → `length` / `max_tokens` / `MAX_TOKENS`;
 * `content-filter` → `content_filter` / `refusal` / `SAFETY`. For a reason of
 * the provider's own (Gemini `RECITATION`, `MALFORMED_FUNCTION_CALL`), see
 * {@link FaultStep.rawFinishReason}.
 */
export type FaultFinishReason = "stop" | "length" | "tool-calls" | "content-filter";

/** One step of a model's script. */
export interface FaultStep {
  /** The answer's text. Default: a short sentence naming the model. */
  readonly text?: string;
  /**
   * Tool calls to answer with. `argsText` sends the arguments exactly as
   * given (invalid JSON included, as a model may write it) instead of `args`.
   */
  readonly toolCalls?: readonly {
    /** The call's id. Default: one made up from its position. */
    readonly id?: string;
    /** The tool's name. */
    readonly name: string;
    /** The arguments, sent as JSON. */
    readonly args?: unknown;
    /**
     * The arguments as raw text, sent as they are. Gemini sends arguments as
     * an object: there the text is parsed, and sent as a JSON string when it
     * does not parse (which no well-formed Gemini answer does).
     */
    readonly argsText?: string;
    /**
     * Gemini: send the `functionCall` without its `id`, as Gemini models may
     * (the id is optional there; a client then matches its `functionResponse`
     * by name and order). OpenAI and Anthropic always send the id.
     */
    readonly omitId?: boolean;
    /**
     * Gemini: the `thoughtSignature` on the call's part, which a client must
     * send back unchanged with the call in the next request. Default: a stable
     * fake one on the first call of the answer and none on the others, as
     * Gemini 3 signs the first function call of a step; `false`: none.
     * Assert that it came back in the next request's logged `body`.
     */
    readonly thoughtSignature?: string | false;
  }[];
  /** The finish reason. Default `tool-calls` with tool calls, else `stop`. */
  readonly finishReason?: FaultFinishReason;
  /**
   * A finish reason in the provider's own words, sent as it is instead of the
   * translated `finishReason`: Gemini `SAFETY`, `PROHIBITED_CONTENT`,
   * `RECITATION`, `BLOCKLIST`, `SPII`, `MALFORMED_FUNCTION_CALL`; OpenAI
   * `function_call`; Anthropic `pause_turn`; or a value no provider sends.
   */
  readonly rawFinishReason?: string;
  /** Cached input tokens to report (counted in the prompt, as Gemini's `promptTokenCount` does). */
  readonly cachedTokens?: number;
  /**
   * Reasoning tokens to report: Gemini `thoughtsTokenCount` (in the total, not
   * in `candidatesTokenCount`), OpenAI `completion_tokens_details.reasoning_tokens`
   * (in `completion_tokens`), Anthropic in `output_tokens`. Default 0.
   */
  readonly reasoningTokens?: number;

  /** Wait this long before answering at all (before headers), in ms. */
  readonly delayMs?: number;
  /** Streams: wait this long after the headers before the first content token, in ms. */
  readonly firstTokenDelayMs?: number;
  /** Streams: wait this long between tokens, in ms (the pace). */
  readonly tokenDelayMs?: number;

  /**
   * Answer with this failure: an HTTP error, or what the provider answers
   * instead (Gemini `content_policy`: a 200 whose `promptFeedback.blockReason`
   * is `SAFETY`, without candidates).
   */
  readonly failure?: ProviderFailure;
  /**
   * With `failure: "rate_limit"` (or any failure): when to come back, as the
   * provider says it: Retry-After and reset headers (OpenAI, Anthropic), a
   * `RetryInfo.retryDelay` in the error body (Gemini).
   */
  readonly retry?: RetryHint;
  /**
   * Streams: send an error event after this many content tokens (an error
   * after a 200), then end the stream. Gemini: a `data: {"error": {…}}` chunk,
   * or for `content_policy` a chunk whose `finishReason` is `SAFETY`.
   */
  readonly streamFailure?: {
    /** The failure the error event describes. */
    readonly failure: ProviderFailure;
    /** Content tokens sent before it. */
    readonly afterTokens: number;
  };

  /** Reset the TCP connection before any header. */
  readonly resetConnection?: boolean;
  /** Never answer (until the client hangs up or the server closes). */
  readonly hang?: boolean;
  /** Streams: end the response cleanly after this many content tokens, without the terminal event. */
  readonly cutAfterTokens?: number;
  /** Streams: reset the connection after this many content tokens. */
  readonly resetAfterTokens?: number;
  /** Streams: stop sending after this many content tokens and keep the connection open. */
  readonly stallAfterTokens?: number;
  /** Streams: send a malformed (truncated JSON) event after this many content tokens. */
  readonly malformedAfterTokens?: number;
  /**
   * Streams: leave out the terminal event. OpenAI: finish properly but without
   * `data: [DONE]` (which the SDK accepts); Gemini: leave out the
   * `finishReason` (and its chunk, when it has one of its own): a stream that
   * ends cleanly after all its text but never says it finished. Anthropic: no effect.
   */
  readonly omitDone?: boolean;
  /**
   * Gemini streams: send the `finishReason` (and the final usage) in a chunk
   * of its own after the content, with an empty text part, as Gemini
   * sometimes does. By default it rides on the last chunk with content, as
   * Gemini usually sends it. Other formats: no effect.
   */
  readonly separateFinishChunk?: boolean;
  /**
   * Repeat the API key the client sent, as some OpenAI-compatible proxies do,
   * for testing that a client never repeats it. `true` puts the full key into
   * the error message of a failure; a {@link KeyEcho} says which part of the
   * key goes where (an error's code, the request-id header, an answer's id).
   */
  readonly echoApiKey?: boolean | KeyEcho;
  /**
   * Answer with exactly this instead, whether the request streams or not: a
   * status (default 200), a content type (default `application/json`) and a
   * body sent as it is — `null`, an HTML page, `{"error":{…}}` under a 200,
   * a completion with a field of the wrong type, or raw SSE text.
   */
  readonly rawBody?: RawBody;
  /**
   * Usage fields to report instead of the computed ones, in the provider's own
   * names and sent as given (`-5`, `"7"`, `1e308`, `null`), for testing that a
   * client does not trust them. Merged over the answer's usage: OpenAI `usage`
   * (the last chunk of a stream asked with `include_usage`), Anthropic `usage`
   * (of the message, and of `message_start` and `message_delta` in a stream),
   * Gemini `usageMetadata` (of the answer, and of every chunk of a stream).
   */
  readonly usage?: Readonly<Record<string, unknown>>;
}

/** Which part of the client's API key a step repeats, and where. */
export interface KeyEcho {
  /**
   * `full` (default): the key as sent; `middle`: its middle 12 characters;
   * `unprefixed`: the key without its `sk-…-` / `gsk_` / `xai-` / `AIza`
   * prefix, which no key-shape pattern recognises.
   */
  readonly part?: "full" | "middle" | "unprefixed";
  /**
   * Where it goes. `message` (default): a failure's error message; `code`: a
   * failure's code (OpenAI `code`, Anthropic `error.type`, Gemini
   * `error.status`); `request-id`: the request-id header of a failure or an
   * answer (Gemini, which sends none: `x-request-id`); `response-id`: an
   * answer's id (`chatcmpl-…`, `msg_…`, Gemini `responseId`).
   */
  readonly in?: readonly ("message" | "code" | "request-id" | "response-id")[];
}

/** A reply sent as it is (see {@link FaultStep.rawBody}). */
export interface RawBody {
  /** The HTTP status. Default 200. */
  readonly status?: number;
  /** The `content-type` header. Default `application/json`. */
  readonly contentType?: string;
  /** The body, sent byte for byte. */
  readonly body: string;
}

/** Shorthands for common steps, and {@link faults.byPrompt} for scripts that answer by what was asked. */
export const faults = {
  /** A healthy answer. */
  answer: (text?: string): FaultStep => (text === undefined ? {} : { text }),
  /**
   * A slow provider that still answers: headers at once, then the first
   * content token only after `ms` (a busy provider's queue, a slow prefill).
   */
  slowFirstToken: (ms: number, text?: string): FaultStep => ({ firstTokenDelayMs: ms, ...(text === undefined ? {} : { text }) }),
  /** A 429 rate limit, with the given way of saying when to come back (none by default). */
  rateLimit: (retry: RetryHint = {}): FaultStep => ({ failure: "rate_limit", retry }),
  /**
   * An exhausted quota or credit balance (OpenAI 429 `insufficient_quota`,
   * Anthropic 400 "credit balance is too low", Gemini 429 `RESOURCE_EXHAUSTED`
   * per day).
   */
  quota: (): FaultStep => ({ failure: "quota" }),
  /** Overloaded (OpenAI 503, Anthropic 529 `overloaded_error`, Gemini 503 `UNAVAILABLE`). */
  overloaded: (): FaultStep => ({ failure: "overloaded" }),
  /** A 500. */
  serverError: (): FaultStep => ({ failure: "server" }),
  /** The prompt is too long for the model. */
  contextLength: (): FaultStep => ({ failure: "context_length" }),
  /** The request was refused by the provider's content policy. */
  contentPolicy: (): FaultStep => ({ failure: "content_policy" }),
  /** A bad API key: a 401 (Gemini: 400 `INVALID_ARGUMENT` "API key not valid"). */
  unauthorized: (): FaultStep => ({ failure: "auth" }),
  /** A 401 in every format (Gemini `UNAUTHENTICATED`). */
  unauthenticated: (): FaultStep => ({ failure: "unauthenticated" }),
  /** A TCP reset before any header. */
  connectionReset: (): FaultStep => ({ resetConnection: true }),
  /** A request that is never answered. */
  silent: (): FaultStep => ({ hang: true }),
  /** A stream that ends cleanly after `tokens` tokens without its terminal event. */
  cutStream: (tokens: number): FaultStep => ({ cutAfterTokens: tokens }),
  /** A stream that stalls open after `tokens` tokens. */
  stallStream: (tokens: number): FaultStep => ({ stallAfterTokens: tokens }),
  /** A stream that carries a malformed chunk after `tokens` tokens. */
  malformedStream: (tokens: number): FaultStep => ({ malformedAfterTokens: tokens }),
  /** An error event mid-stream, after `tokens` tokens of a 200. */
  midStreamError: (failure: ProviderFailure, tokens: number): FaultStep => ({ streamFailure: { failure, afterTokens: tokens } }),
  /** Fail `times` times with `step`, then answer: a script for `server.script(model, ...)`. */
  failTimes: (times: number, step: FaultStep): FaultStep[] => Array.from({ length: times }, () => step),
  /**
   * A script that answers each request by what it asks, whatever the order
   * requests arrive in: the first rule whose `when` applies gives the step
   * (`step`: a step, or a script of the attempt and the request), and
   * `otherwise` answers the rest (a healthy answer by default). `when` is a
   * `RegExp` tested on the request's last user text, a string that text
   * contains (case-sensitive), or a predicate of the whole
   * {@link ScriptedRequest} (its tools, JSON format, system prompt…).
   *
   * @example
   * ```ts
   * server.script(
   *   "gpt-4.1",
   *   faults.byPrompt([
   *     { when: /capital of France/i, step: { text: "Paris." } },
   *     { when: (request) => request.wantsJson, step: { text: '{"city": 42}' } },
   *     { when: (request) => request.tools.includes("get_weather"), step: { text: "I won't call it." } },
   *     { when: "forbidden", step: { text: "I can't help with that.", finishReason: "content-filter" } },
   *   ]),
   * );
   * ```
   */
  byPrompt: (rules: readonly PromptRule[], otherwise: FaultStep | FaultScript = {}): FaultScript =>
    scriptByPrompt(rules, otherwise),
} as const;

/** A short description of a step, for the request log. */
export function describeStep(step: FaultStep): string {
  if (step.resetConnection) return "connection-reset";
  if (step.hang) return "silent";
  if (step.rawBody) return `raw-${step.rawBody.status ?? 200}`;
  if (step.failure) return step.failure;
  const stream = [
    step.streamFailure && `stream-${step.streamFailure.failure}@${step.streamFailure.afterTokens}`,
    step.cutAfterTokens !== undefined && `cut@${step.cutAfterTokens}`,
    step.resetAfterTokens !== undefined && `reset@${step.resetAfterTokens}`,
    step.stallAfterTokens !== undefined && `stall@${step.stallAfterTokens}`,
    step.malformedAfterTokens !== undefined && `malformed@${step.malformedAfterTokens}`,
    step.omitDone && "no-done",
    step.separateFinishChunk && "separate-finish",
  ].filter(Boolean);
  return stream.length > 0 ? stream.join(",") : "answer";
}
