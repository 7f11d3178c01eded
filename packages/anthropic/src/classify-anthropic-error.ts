import Anthropic from "@anthropic-ai/sdk";
import {
  adapterFailure,
  type FailureSource,
  type HeaderLookup,
  isModelError,
  ModelError,
  type ModelErrorKind,
  redactModelError,
  resetTimeMs,
  retryAfterMs,
  transportFailure,
  unexpectedFailure,
} from "@understudy/core/adapter";

/**
 * What the SDK throws, before any call, when it finds no credentials: no
 * `apiKey`, no `ANTHROPIC_API_KEY`, no token, profile or credentials file (or
 * one it cannot read). A missing key is `auth`, as it is for OpenAI, whose
 * client refuses to be made without one: never a `connection` fault to retry.
 */
const noCredentials =
  /could not resolve authentication method|profile ".*" could not be resolved|ANTHROPIC_PROFILE names|credentials file|config file .* is missing "authentication"|identity token|the `apiKey` function/i;

/**
 * Classifies anything the Anthropic SDK threw into the taxonomy, from status,
 * error type and message. An `event: error` inside a stream has no status: it
 * is classified from its body's `error.type`. Every field of the result that
 * carries provider text is redacted.
 */
export function classifyAnthropicError(error: unknown, source: FailureSource): ModelError {
  if (isModelError(error)) return redactModelError(error, source.secrets);
  const transport = transportFailure(error, source, Anthropic);
  if (transport) return transport;
  if (error instanceof Anthropic.APIError) {
    return anthropicErrorBodyFailure(error.error, source, {
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.headers ? { headers: error.headers } : {}),
      requestId: error.requestID,
      fallbackType: error.type ?? undefined,
      fallbackMessage: error.message,
      cause: error,
    });
  }
  if (error instanceof Error && noCredentials.test(error.message)) {
    return adapterFailure(
      "auth",
      `no Anthropic credentials (pass apiKey or set ANTHROPIC_API_KEY): ${error.message}`,
      source,
      error,
    );
  }
  return unexpectedFailure(error, source);
}

/** What is known of an Anthropic error besides its body. */
export interface AnthropicErrorContext {
  /** The HTTP status; none for an `event: error` or an error under a 200. */
  readonly status?: number;
  /** Where the error came from when there is no status, for the message. Default `stream`. */
  readonly where?: string;
  /** The response's headers, for Retry-After. */
  readonly headers?: HeaderLookup;
  /** The provider's request id. */
  readonly requestId?: string | null | undefined;
  /** The error type when the body names none. */
  readonly fallbackType?: string | undefined;
  /** The message when the body has none. */
  readonly fallbackMessage: string;
  /** The underlying error, sanitised into `cause`. */
  readonly cause?: unknown;
}

/**
 * An Anthropic error body (`{ type: "error", error: { type, message } }`) as
 * a redacted {@link ModelError}, whether it came with an HTTP error, as an
 * `event: error` inside a stream, or under a 200.
 */
export function anthropicErrorBodyFailure(body: unknown, source: FailureSource, context: AnthropicErrorContext): ModelError {
  const inner = (typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined) as
    | { type?: unknown; message?: unknown; details?: { error_code?: unknown } | null }
    | null
    | undefined;
  const type = typeof inner?.type === "string" ? inner.type : context.fallbackType;
  const providerMessage = typeof inner?.message === "string" ? inner.message : context.fallbackMessage;
  const spendLimit = inner?.details?.error_code === "enforced_spend_limit_reached";
  const error = new ModelError({
    provider: source.provider,
    model: source.model,
    kind: kindOf(context.status, type, providerMessage, spendLimit),
    message: `${context.status ?? context.where ?? "stream"} ${type ?? "error"}: ${providerMessage}`,
    providerMessage,
    ...(context.status === undefined ? {} : { status: context.status }),
    ...(type ? { providerCode: type } : {}),
    ...(context.requestId ? { requestId: context.requestId } : {}),
    ...retryAfterOf(context.status, context.headers),
    ...(context.cause === undefined ? {} : { cause: context.cause }),
  });
  return redactModelError(error, source.secrets);
}

function kindOf(status: number | undefined, type: string | undefined, message: string, spendLimit: boolean): ModelErrorKind {
  if (spendLimit || status === 402 || type === "billing_error" || /credit balance is too low/i.test(message)) return "quota";
  if (status === 529 || type === "overloaded_error") return "overloaded";
  if (status === 429 || type === "rate_limit_error") return "rate_limit";
  if (status === 401 || status === 403 || type === "authentication_error" || type === "permission_error") return "auth";
  if (status === 408) return "timeout";
  if (status === 503) return "overloaded";
  if ((status !== undefined && status >= 500) || type === "api_error") return "server";
  if (/prompt is too long|context window|too many (input )?tokens/i.test(message)) return "context_length";
  if (/does not support assistant message prefill/i.test(message)) return "unsupported";
  if (/content filtering|content policy|usage policy/i.test(message)) return "content_filter";
  if (status !== undefined || type === "invalid_request_error" || type === "not_found_error") return "invalid_request";
  return "server";
}

/** Retry-After; on a 429 without one, the reset of the exhausted limit (`anthropic-ratelimit-*-reset`, RFC 3339). */
function retryAfterOf(status: number | undefined, headers: HeaderLookup | undefined): { retryAfterMs?: number } {
  const now = Date.now();
  const explicit = retryAfterMs(headers, now);
  if (explicit !== undefined) return { retryAfterMs: explicit };
  if (status !== 429 || !headers) return {};
  const limits = ["requests", "tokens", "input-tokens", "output-tokens"];
  const resets = limits
    .map((limit) => ({
      exhausted: headers.get(`anthropic-ratelimit-${limit}-remaining`) === "0",
      ms: resetTimeMs(headers.get(`anthropic-ratelimit-${limit}-reset`), now),
    }))
    .filter((reset): reset is { exhausted: boolean; ms: number } => reset.ms !== undefined);
  const exhausted = resets.filter((reset) => reset.exhausted);
  const candidates = (exhausted.length > 0 ? exhausted : resets).map((reset) => reset.ms);
  return candidates.length > 0 ? { retryAfterMs: Math.min(...candidates) } : {};
}
