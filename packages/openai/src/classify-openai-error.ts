import {
  type FailureSource,
  type HeaderLookup,
  isModelError,
  ModelError,
  type ModelErrorKind,
  redactModelError,
  resetDurationMs,
  retryAfterMs,
  transportFailure,
  unexpectedFailure,
} from "@understudy/core/adapter";
import OpenAI from "openai";

const contentPolicyCodes = new Set(["content_filter", "content_policy_violation", "invalid_prompt"]);

/**
 * Classifies anything the openai SDK threw into the taxonomy, from status,
 * error type/code and message. Errors that arrive inside a stream after its 200
 * have no status: they are classified from their body. Every field of the
 * result that carries provider text is redacted.
 */
export function classifyOpenAIError(error: unknown, source: FailureSource): ModelError {
  if (isModelError(error)) return redactModelError(error, source.secrets);
  const transport = transportFailure(error, source, OpenAI);
  if (transport) return transport;
  if (error instanceof OpenAI.APIError) {
    return openAIErrorBodyFailure(error.error, source, {
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.headers ? { headers: error.headers } : {}),
      requestId: error.requestID,
      fallbackMessage: error.message,
      cause: error,
    });
  }
  return unexpectedFailure(error, source);
}

/** What is known of an OpenAI error besides its body. */
export interface OpenAIErrorContext {
  /** The HTTP status; none for an error inside a stream or under a 200. */
  readonly status?: number;
  /** Where the error came from when there is no status, for the message. Default `stream`. */
  readonly where?: string;
  /** The response's headers, for Retry-After. */
  readonly headers?: HeaderLookup;
  /** The provider's request id. */
  readonly requestId?: string | null | undefined;
  /** The message when the body has none. */
  readonly fallbackMessage: string;
  /** The underlying error, sanitised into `cause`. */
  readonly cause?: unknown;
}

/**
 * An OpenAI error object (`{ message, type, code }`, the `error` of an error
 * body) as a redacted {@link ModelError}, whether it came with an HTTP error,
 * inside a stream, or under a 200. A numeric `code`, which some compatible
 * servers send (`{ "code": 429 }`), classifies like a status when there is none.
 */
export function openAIErrorBodyFailure(body: unknown, source: FailureSource, context: OpenAIErrorContext): ModelError {
  const fields = (typeof body === "object" && body !== null ? body : {}) as { message?: unknown; type?: unknown; code?: unknown };
  const providerMessage = typeof fields.message === "string" ? fields.message : context.fallbackMessage;
  const type = typeof fields.type === "string" ? fields.type : undefined;
  const code = typeof fields.code === "string" ? fields.code : typeof fields.code === "number" ? String(fields.code) : type;
  const statusLike = context.status ?? (typeof fields.code === "number" ? fields.code : undefined);
  const error = new ModelError({
    provider: source.provider,
    model: source.model,
    kind: kindOf(statusLike, code, type, providerMessage),
    message: `${context.status ?? context.where ?? "stream"} ${providerMessage}`,
    providerMessage,
    ...(context.status === undefined ? {} : { status: context.status }),
    ...(code === undefined ? {} : { providerCode: code }),
    ...(context.requestId ? { requestId: context.requestId } : {}),
    ...retryAfterOf(context.status, context.headers),
    ...(context.cause === undefined ? {} : { cause: context.cause }),
  });
  return redactModelError(error, source.secrets);
}

function kindOf(status: number | undefined, code: string | undefined, type: string | undefined, message: string): ModelErrorKind {
  if (code === "insufficient_quota" || type === "insufficient_quota") return "quota";
  if (status === 429) return "rate_limit";
  if (status === 402) return "quota";
  if (status === 401 || status === 403) return "auth";
  if (status === 408) return "timeout";
  if (status === 503 || status === 529) return "overloaded";
  if (status !== undefined && status >= 500) return "server";
  if (code === "context_length_exceeded" || /maximum context length|context window|too many tokens/i.test(message))
    return "context_length";
  if ((code && contentPolicyCodes.has(code)) || /content (management )?policy|flagged as potentially violating/i.test(message))
    return "content_filter";
  if (status !== undefined) return "invalid_request";
  // An error event inside a stream, or an error body under a 200: no status, only its body.
  if (code === "rate_limit_exceeded" || type === "rate_limit_error") return "rate_limit";
  if (code === "invalid_api_key" || type === "authentication_error") return "auth";
  if (type === "invalid_request_error") return "invalid_request";
  if (/overloaded|capacity/i.test(message) || code === "overloaded_error" || type === "overloaded_error") return "overloaded";
  return "server";
}

/** Retry-After; on a 429 without one, the reset of the exhausted limit (`x-ratelimit-reset-*`, e.g. `6m0s`). */
function retryAfterOf(status: number | undefined, headers: HeaderLookup | undefined): { retryAfterMs?: number } {
  const explicit = retryAfterMs(headers);
  if (explicit !== undefined) return { retryAfterMs: explicit };
  if (status !== 429 || !headers) return {};
  const resets = (["requests", "tokens"] as const)
    .map((limit) => ({
      exhausted: headers.get(`x-ratelimit-remaining-${limit}`) === "0",
      ms: parseOpenAIDuration(headers.get(`x-ratelimit-reset-${limit}`)),
    }))
    .filter((reset): reset is { exhausted: boolean; ms: number } => reset.ms !== undefined);
  const exhausted = resets.filter((reset) => reset.exhausted);
  const candidates = (exhausted.length > 0 ? exhausted : resets).map((reset) => reset.ms);
  return candidates.length > 0 ? { retryAfterMs: Math.min(...candidates) } : {};
}

/**
 * Parses OpenAI's reset durations: `6m0s`, `1.5s`, `12ms`, `1h2m3s`, in whole
 * ms at most `maxProviderDelayMs` (`99999h` is read as that); `undefined` for
 * anything else, or a value too large to be a number. The kit's
 * `resetDurationMs`, under the name this package has always exported.
 */
export function parseOpenAIDuration(value: string | null | undefined): number | undefined {
  return resetDurationMs(value);
}
