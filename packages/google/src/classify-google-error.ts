import { ApiError } from "@google/genai";
import {
  adapterFailure,
  boundedDelayMs,
  describeThrown,
  type FailureSource,
  isModelError,
  ModelError,
  type ModelErrorKind,
  redactModelError,
  thrownName,
  unexpectedFailure,
} from "@understudy/core/adapter";
import { parseGoogleDuration } from "./google-duration.ts";
import { type GoogleStatus, googleStatusOf } from "./google-error-body.ts";
import { withoutGoogleKeys } from "./google-key-shape.ts";

/**
 * Classifies anything `@google/genai` threw into the taxonomy. Its
 * `ApiError` has only a `status` and a `message` that is the error body as
 * JSON (a `google.rpc.Status`); no headers, so the request id, when a proxy
 * sent one, comes from the adapter (`requestId`). An error chunk inside a
 * stream comes as an `ApiError` too, its status taken from the body's
 * `code`: it is reported without a status, as the HTTP status was a 200. Transport faults are plain `fetch` errors;
 * the caller's abort is an `AbortError` (a `timeout` when the signal did not
 * fire: then the SDK's own `httpOptions.timeout` did). Every field of the
 * result that carries provider text is redacted.
 *
 * @param signal - The call's signal: it tells the caller's abort from the SDK's own timeout (when not given, an abort is the caller's).
 * @param requestId - The request id header of the response, when the adapter saw one (Gemini sends none; a proxy may).
 */
export function classifyGoogleError(error: unknown, source: FailureSource, signal?: AbortSignal, requestId?: string): ModelError {
  if (isModelError(error)) return redactModelError(error, source.secrets);
  if (isApiError(error)) return apiErrorFailure(error, source, requestId);
  if (isAbort(error)) {
    return signal !== undefined && !signal.aborted
      ? adapterFailure("timeout", "the SDK's own timeout fired (httpOptions.timeout)", source, error)
      : adapterFailure("aborted", "the request was aborted", source, error);
  }
  if (error instanceof Error && credentialFault.test(error.message)) {
    const hint = "Application Default Credentials, or googleAuthOptions of the client";
    return adapterFailure("auth", `no usable Google Cloud credentials (${hint}): ${describeThrown(error)}`, source, error);
  }
  const network = networkFault(error);
  if (network) {
    const detail = network === error ? undefined : describeCause(network);
    return adapterFailure(
      source.midStream ? "stream_broken" : "connection",
      `connection failed: ${describeThrown(error)}${detail ? ` (${detail})` : ""}`,
      source,
      error,
    );
  }
  const message = describeThrown(error);
  if (error instanceof Error && !(error instanceof TypeError) && sdkRefusal.test(message)) {
    return adapterFailure("invalid_request", `the SDK refused the request: ${message}`, source, error);
  }
  if (error instanceof Error && brokenFraming.test(message)) {
    return adapterFailure("stream_broken", `malformed stream: ${message}`, source, error);
  }
  return unexpectedFailure(error, source);
}

/** What the SDK throws, before any call, for a request it cannot send (an option of the other backend, contents it cannot read). */
const sdkRefusal =
  /parameter is only supported in|is not supported in|mixing content and parts|please wrap them|contents are required/i;

/** What the SDK's SSE reader throws for a stream it cannot frame. */
const brokenFraming = /^(incomplete json segment at the end|exception parsing stream chunk|response body is empty)/i;

/** The SDK's error class, or one like it from another copy of the SDK (it sets `name` and `status`). */
export function isApiError(error: unknown): error is ApiError {
  if (error instanceof ApiError) return true;
  return error instanceof Error && thrownName(error) === "ApiError" && typeof (error as { status?: unknown }).status === "number";
}

function isAbort(error: unknown): boolean {
  const name = thrownName(error);
  return name === "AbortError" || name === "TimeoutError";
}

/** Error codes of a socket, DNS, TLS or undici: a request that never got its answer. */
const networkCode =
  /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPROTO|UND_ERR_[A-Z_]+|ERR_TLS_[A-Z_]+|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/;

/**
 * The network fault of a `fetch` error — `fetch failed`, or `terminated` (a
 * body cut while read) — or of an error whose cause is a socket's: the
 * deepest error with a network code (for the message), the error itself
 * when none has one; `undefined` when it is no network fault.
 */
function networkFault(error: unknown): Error | undefined {
  let deepest: unknown = error;
  for (let depth = 0; depth < 8 && deepest instanceof Error; depth++) {
    const code = (deepest as { code?: unknown }).code;
    if (typeof code === "string" && networkCode.test(code)) return deepest;
    if (!(deepest.cause instanceof Error)) break;
    deepest = deepest.cause;
  }
  if (error instanceof TypeError && /^(fetch failed|terminated)$/i.test(error.message))
    return deepest instanceof Error ? deepest : error;
  return undefined;
}

/**
 * What google-auth-library throws for a Vertex AI client without usable
 * credentials (no Application Default Credentials, a key file that is not
 * there, a refresh token refused): `auth`, never a network fault to retry.
 */
const credentialFault =
  /could not load the default credentials|could not refresh access token|unable to detect a project id|invalid_grant|^ENOENT: no such file or directory, open .*\.json/i;

function describeCause(cause: Error): string {
  const code = (cause as { code?: unknown }).code;
  return typeof code === "string" && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
}

/** An `ApiError`, from its status and the `google.rpc.Status` in its message. */
function apiErrorFailure(error: ApiError, source: FailureSource, requestId: string | undefined): ModelError {
  const inStream = error.message.startsWith("got status: ");
  return googleErrorFailure(googleStatusOf(error.message), source, {
    ...(inStream ? { code: error.status } : { status: error.status }),
    fallbackMessage: error.message,
    cause: error,
    ...(requestId === undefined ? {} : { requestId }),
  });
}

/** What is known of a Gemini error besides its body. */
export interface GoogleErrorContext {
  /** The HTTP status; none for an error chunk inside a stream. */
  readonly status?: number;
  /** The status an error without one stands for (an error chunk's `code`), used to classify it. */
  readonly code?: number;
  /** The message when the body has none. */
  readonly fallbackMessage: string;
  /** The underlying error, sanitised into `cause`. */
  readonly cause?: unknown;
  /** The response's request id header, when there was one. */
  readonly requestId?: string;
}

/**
 * A Gemini error (its `google.rpc.Status`) as a redacted {@link ModelError}:
 * the kind from the HTTP status (or the body's code) and the body's status,
 * reasons and quotas; the delay from its `RetryInfo`.
 */
export function googleErrorFailure(body: GoogleStatus, source: FailureSource, context: GoogleErrorContext): ModelError {
  const providerMessage = withoutGoogleKeys(body.message ?? context.fallbackMessage);
  const code = context.status ?? context.code ?? body.code;
  const kind = kindOf(code, body, providerMessage);
  const providerCode = body.reasons[0] ?? body.status;
  const where = context.status === undefined ? "stream" : String(context.status);
  const error = new ModelError({
    provider: source.provider,
    model: source.model,
    kind,
    message: `${where} ${body.status ?? "error"}: ${providerMessage}`,
    providerMessage,
    ...(context.status === undefined ? {} : { status: context.status }),
    ...(context.requestId ? { requestId: context.requestId } : {}),
    ...(providerCode ? { providerCode: withoutGoogleKeys(providerCode) } : {}),
    ...retryAfterOf(body, kind, providerMessage),
    ...(context.cause === undefined ? {} : { cause: keyless(context.cause) }),
  });
  return redactModelError(error, source.secrets);
}

/** An error whose message has no Google key in it, for `cause` (which the kit copies with the message alone). */
function keyless(cause: unknown): unknown {
  if (!(cause instanceof Error)) return cause;
  const copy = new Error(withoutGoogleKeys(describeThrown(cause)));
  copy.name = cause.name;
  return copy;
}

const contextLength = /input token count.*exceeds|exceeds the maximum number of tokens|too many tokens|context (window|length)/i;
const contentPolicy = /content (management )?polic|usage polic|prohibited (use|content)|blocked (due to|by) safety/i;
const badKey = /api key not valid|api key expired|invalid api key/i;
const authReasons = new Set([
  "API_KEY_INVALID",
  "API_KEY_EXPIRED",
  "API_KEY_SERVICE_BLOCKED",
  "API_KEY_HTTP_REFERRER_BLOCKED",
  "API_KEY_IP_ADDRESS_BLOCKED",
  "SERVICE_DISABLED",
  "ACCESS_TOKEN_EXPIRED",
  "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
  "CREDENTIALS_MISSING",
  "CONSUMER_SUSPENDED",
]);
/** Google's wording when a model has no capacity left for anyone ("No capacity available for model gemini-3-pro on the server"). */
const noCapacity = /no capacity available/i;
/** A per-day quota (`GenerateRequestsPerDayPerProjectPerModel`): no wait of seconds restores it. */
const perDay = /per[ _-]?day/i;

/**
 * The kind of a Gemini error. Google's RPC status is read beside the HTTP
 * status, which an error chunk in a stream has not:
 *
 * - 429 / `RESOURCE_EXHAUSTED` "No capacity available for model … on the
 *   server" (`ErrorInfo` reason `MODEL_CAPACITY_EXHAUSTED`): `overloaded`,
 *   Google's lack of capacity, not this key's rate;
 * - 429 / `RESOURCE_EXHAUSTED`: `quota` when a per-day quota ran out (its
 *   `QuotaFailure` says `…PerDay…`; "You exceeded your current quota" is
 *   said of per-minute limits too, so the prose decides nothing), else `rate_limit`;
 * - 400 `FAILED_PRECONDITION`: `quota` when it asks for billing ("free tier
 *   is not available in your country"), else `auth` ("User location is not
 *   supported"): this provider will not serve this key from here, a fault of
 *   neither the request nor the model's health;
 * - 401, 403, `UNAUTHENTICATED`, `PERMISSION_DENIED`, and a 400 whose
 *   `ErrorInfo` says `API_KEY_INVALID` ("API key not valid"): `auth`;
 * - 503 / `UNAVAILABLE` ("The model is overloaded"): `overloaded` (UNAVAILABLE with another 5xx code is `server`);
 * - 500 `INTERNAL`, 504 `DEADLINE_EXCEEDED` and every other 5xx: `server`
 *   (504 as the OpenAI and Anthropic adapters read it); 408: `timeout`;
 * - 400 "The input token count (…) exceeds the maximum number of tokens
 *   allowed (…)": `context_length`;
 * - 404 (an unknown model) and every other 4xx: `invalid_request`.
 */
function kindOf(code: number | undefined, body: GoogleStatus, message: string): ModelErrorKind {
  const status = body.status;
  const has = (...names: string[]) => status !== undefined && names.includes(status);
  if (code === 429 || has("RESOURCE_EXHAUSTED")) {
    if (body.reasons.includes("MODEL_CAPACITY_EXHAUSTED") || noCapacity.test(message)) return "overloaded";
    return [...body.quotas, message].some((text) => perDay.test(text)) ? "quota" : "rate_limit";
  }
  if (code === 402) return "quota";
  if (has("FAILED_PRECONDITION")) return /billing/i.test(message) ? "quota" : "auth";
  if (code === 401 || code === 403 || has("UNAUTHENTICATED", "PERMISSION_DENIED")) return "auth";
  if (body.reasons.some((reason) => authReasons.has(reason)) || badKey.test(message)) return "auth";
  if (code === 408) return "timeout";
  // The numeric code is the more specific: a 502 that says UNAVAILABLE is a bad gateway, not an overloaded model.
  const otherServerCode = code !== undefined && code >= 500 && code !== 503 && code !== 529;
  if (code === 503 || code === 529 || (has("UNAVAILABLE") && !otherServerCode)) return "overloaded";
  if ((code !== undefined && code >= 500) || has("INTERNAL", "UNKNOWN", "DATA_LOSS", "DEADLINE_EXCEEDED", "ABORTED", "CANCELLED"))
    return "server";
  if (contextLength.test(message)) return "context_length";
  if (contentPolicy.test(message)) return "content_filter";
  if (
    (code !== undefined && code >= 400) ||
    has("INVALID_ARGUMENT", "NOT_FOUND", "OUT_OF_RANGE", "ALREADY_EXISTS", "UNIMPLEMENTED")
  )
    return "invalid_request";
  return "server";
}

/** "Please retry in 10.689924287s.": what Gemini's message says when a `RetryInfo` is missing. */
const retryInText = /retry in (\d+(?:\.\d+)?)s\b/i;

/**
 * The delay the error asks for: its `RetryInfo.retryDelay` (a delay, not a
 * window, so read whatever the status), or on a rate limit without one, the
 * "Please retry in …s" of its message. Bounded; none when unreadable (a
 * `retryDelay` of `"-5s"` is ignored, not replaced by the prose).
 */
function retryAfterOf(body: GoogleStatus, kind: ModelErrorKind, message: string): { retryAfterMs?: number } {
  if (body.retryDelay !== undefined) {
    const explicit = parseGoogleDuration(body.retryDelay);
    return explicit === undefined ? {} : { retryAfterMs: explicit };
  }
  if (kind !== "rate_limit" && kind !== "quota") return {};
  const said = retryInText.exec(message)?.[1];
  const ms = said === undefined ? undefined : boundedDelayMs(Number(said) * 1_000);
  return ms === undefined ? {} : { retryAfterMs: ms };
}
