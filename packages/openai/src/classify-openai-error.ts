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
import OpenAI from "openai";

const contentPolicyCodes = new Set(["content_filter", "content_policy_violation", "invalid_prompt"]);

/**
 * Classifies anything the openai SDK threw into the taxonomy, from status,
 * error type/code and message. Errors that arrive inside a stream after its 200
 * have no status: they are classified from their body.
 */
export function classifyOpenAIError(error: unknown, source: FailureSource): ModelError {
  if (isModelError(error)) return error;
  const transport = transportFailure(error, source, OpenAI);
  if (transport) return transport;
  if (error instanceof OpenAI.APIError) {
    const body = (error.error ?? {}) as { message?: unknown; type?: unknown; code?: unknown };
    const providerMessage = typeof body.message === "string" ? body.message : error.message;
    const code = typeof body.code === "string" ? body.code : typeof body.type === "string" ? body.type : undefined;
    const kind = kindOf(error.status, code, typeof body.type === "string" ? body.type : undefined, providerMessage);
    return new ModelError({
      provider: source.provider,
      model: source.model,
      kind,
      message: redactSecrets(`${error.status ?? "stream"} ${providerMessage}`, source.secrets),
      providerMessage: redactSecrets(providerMessage, source.secrets),
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(code === undefined ? {} : { providerCode: code }),
      ...(error.requestID ? { requestId: error.requestID } : {}),
      ...retryAfterOf(error.status, error.headers),
      cause: redactedError(error, source.secrets),
    });
  }
  return unexpectedFailure(error, source);
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
  // An error event inside a stream: no status, only its body.
  if (code === "rate_limit_exceeded" || type === "rate_limit_error") return "rate_limit";
  if (/overloaded|capacity/i.test(message)) return "overloaded";
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

/** Parses OpenAI's reset durations: `6m0s`, `1.5s`, `12ms`, `1h2m3s`. */
export function parseOpenAIDuration(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
  let total = 0;
  let matched = "";
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number.parseFloat(match[1] ?? "0") * (units[match[2] ?? ""] ?? 0);
    matched += match[0];
  }
  return matched === value.trim() && matched !== "" ? Math.round(total) : undefined;
}
