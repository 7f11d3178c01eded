import Anthropic from "@anthropic-ai/sdk";
import {
  type FailureSource,
  type HeaderLookup,
  isModelError,
  ModelError,
  type ModelErrorKind,
  redactedError,
  redactSecrets,
  retryAfterMs,
  transportFailure,
  unexpectedFailure,
} from "@understudy/core";

/**
 * Classifies anything the Anthropic SDK threw into the taxonomy, from status,
 * error type and message. An `event: error` inside a stream has no status: it
 * is classified from its body's `error.type`.
 */
export function classifyAnthropicError(error: unknown, source: FailureSource): ModelError {
  if (isModelError(error)) return error;
  const transport = transportFailure(error, source, Anthropic);
  if (transport) return transport;
  if (error instanceof Anthropic.APIError) {
    const body = (error.error ?? {}) as { error?: { type?: unknown; message?: unknown; details?: { error_code?: unknown } } };
    const type = typeof body.error?.type === "string" ? body.error.type : (error.type ?? undefined);
    const providerMessage = typeof body.error?.message === "string" ? body.error.message : error.message;
    const spendLimit = body.error?.details?.error_code === "enforced_spend_limit_reached";
    return new ModelError({
      provider: source.provider,
      model: source.model,
      kind: kindOf(error.status, type ?? undefined, providerMessage, spendLimit),
      message: redactSecrets(`${error.status ?? "stream"} ${type ?? "error"}: ${providerMessage}`, source.secrets),
      providerMessage: redactSecrets(providerMessage, source.secrets),
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(type ? { providerCode: type } : {}),
      ...(error.requestID ? { requestId: error.requestID } : {}),
      ...retryAfterOf(error.status, error.headers),
      cause: redactedError(error, source.secrets),
    });
  }
  return unexpectedFailure(error, source);
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
      at: Date.parse(headers.get(`anthropic-ratelimit-${limit}-reset`) ?? ""),
    }))
    .filter((reset) => !Number.isNaN(reset.at));
  const exhausted = resets.filter((reset) => reset.exhausted);
  const candidates = (exhausted.length > 0 ? exhausted : resets).map((reset) => Math.max(0, reset.at - now));
  return candidates.length > 0 ? { retryAfterMs: Math.min(...candidates) } : {};
}
