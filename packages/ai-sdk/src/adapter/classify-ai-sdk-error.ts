import {
  APICallError,
  EmptyResponseBodyError,
  InvalidArgumentError,
  InvalidPromptError,
  InvalidResponseDataError,
  JSONParseError,
  LoadAPIKeyError,
  LoadSettingError,
  NoContentGeneratedError,
  NoSuchModelError,
  TypeValidationError,
  UnsupportedFunctionalityError,
} from "@ai-sdk/provider";
import {
  adapterFailure,
  describeThrown,
  type FailureSource,
  type HeaderLookup,
  isModelError,
  ModelError,
  type ModelErrorKind,
  malformedAnswer,
  redactModelError,
  retryAfterMs,
  thrownName,
  unexpectedFailure,
} from "@understudy/core/adapter";
import { type ErrorBody, errorBodyOf } from "./error-body.ts";
import { type ErrorStatus, errorKindOf } from "./error-kind.ts";
import { isRecord } from "./is-record.ts";
import { rateLimitResetMs } from "./rate-limit-reset.ts";
import { headerLookup, requestIdOf } from "./response-headers.ts";

/** Where an error came from. */
export interface ClassifyContext {
  /** True for an error out of an open stream (a chunk that is not JSON is then a broken stream). */
  readonly inStream?: boolean;
  /** The call's signal: an abort it did not ask for is the model's failure. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Classifies anything an AI SDK model threw — or put in an `error` part of
 * its stream — into the taxonomy. `inStream` says the error came out of an
 * open stream (a chunk that is not JSON is then a broken stream, where under
 * a complete answer it is a `server` fault). Every field of the result that
 * carries provider text is redacted and bounded. The error's `isRetryable`
 * is not read: the kind decides, and the pipeline retries.
 */
export function classifyAiSdkError(error: unknown, source: FailureSource, context: ClassifyContext = {}): ModelError {
  const inStream = context.inStream ?? false;
  if (isModelError(error)) return redactModelError(error, source.secrets);
  if (isAbort(error)) return abortFailure(error, source, context.signal);
  if (isGatewayError(error)) return gatewayFailure(error, source, context);
  if (isTimeout(error)) return failure("timeout", `the model's own timeout fired: ${describeThrown(error)}`, source, error);
  if (APICallError.isInstance(error)) return apiCallFailure(error, source);
  if (LoadAPIKeyError.isInstance(error) || LoadSettingError.isInstance(error))
    return failure("auth", `the model is not configured (its API key or a setting is missing): ${error.message}`, source, error);
  if (UnsupportedFunctionalityError.isInstance(error))
    return failure("unsupported", `${source.model} cannot take ${error.functionality}: ${error.message}`, source, error);
  if (InvalidPromptError.isInstance(error) || InvalidArgumentError.isInstance(error) || NoSuchModelError.isInstance(error))
    return failure("invalid_request", `the model refused the request before sending it: ${error.message}`, source, error);
  if (isUnusableAnswer(error)) {
    return inStream
      ? failure("stream_broken", `malformed stream: ${error.message}`, source, error)
      : failure("server", `answered with something that is not an answer: ${error.message}`, source, error);
  }
  if (!(error instanceof Error) && isRecord(error)) return errorObjectFailure(error, source);
  return unexpectedAiSdkFailure(error, source, inStream);
}

/**
 * Anything else. The AI SDK wraps every network fault in an `APICallError`,
 * so a bare error is one of the provider's own code tripping over what it
 * read (Anthropic's "Expected a normalized Anthropic stream error" when its
 * first event is not JSON, a `TypeError` on a missing field): an answer no
 * client can use, so `server`, or a broken stream once in one. Only an error
 * that carries a network code (a custom `fetch` that throws its own) is a
 * `connection` fault, as is a `SyntaxError` a malformed stream, per the kit.
 */
function unexpectedAiSdkFailure(error: unknown, source: FailureSource, inStream: boolean): ModelError {
  if (error instanceof SyntaxError || networkCodeOf(error) !== undefined)
    return redactModelError(unexpectedFailure(error, source), source.secrets);
  const detail = error instanceof Error ? `${thrownName(error)}: ${describeThrown(error)}` : describeThrown(error);
  const cause = error instanceof Error ? error : detail;
  return inStream
    ? failure("stream_broken", `the stream failed: ${detail}`, source, cause)
    : failure("server", `the model failed: ${detail}`, source, cause);
}

/**
 * The kit's failure, its message bounded too: an SDK error's message may
 * quote a whole body (`JSON parsing failed: Text: …`).
 */
function failure(kind: ModelErrorKind, message: string, source: FailureSource, error: unknown): ModelError {
  return redactModelError(adapterFailure(kind, message, source, error), source.secrets);
}

/** The SDK's own errors for a 200 whose body it could not use. */
function isUnusableAnswer(error: unknown): error is Error {
  return (
    JSONParseError.isInstance(error) ||
    TypeValidationError.isInstance(error) ||
    InvalidResponseDataError.isInstance(error) ||
    EmptyResponseBodyError.isInstance(error) ||
    NoContentGeneratedError.isInstance(error)
  );
}

/** An abort: fetch's own `AbortError`, which the SDK rethrows. */
function isAbort(error: unknown): error is Error {
  const name = thrownName(error);
  return name === "AbortError" || name === "ResponseAborted";
}

/**
 * The chain's abort (the caller's, a timer's, a consumer who stopped
 * reading) is `aborted`. An abort the chain's signal did not ask for — a
 * custom `fetch` that gives up on its own — is the model failing to answer
 * in time: `timeout`, which falls over to the next model.
 */
function abortFailure(error: Error, source: FailureSource, signal: AbortSignal | undefined): ModelError {
  if (signal === undefined || signal.aborted) return failure("aborted", "the request was aborted", source, error);
  return failure("timeout", `the model's own client aborted the call: ${describeThrown(error)}`, source, error);
}

/** A `TimeoutError`: a model whose `fetch` has its own `AbortSignal.timeout`. */
function isTimeout(error: unknown): error is Error {
  return thrownName(error) === "TimeoutError";
}

/** `@ai-sdk/gateway`'s errors: not `APICallError`s, but marked and carrying a status and a type. */
function isGatewayError(error: unknown): error is Error & { statusCode?: unknown; type?: unknown } {
  return error instanceof Error && Symbol.for("vercel.ai.gateway.error") in error;
}

/**
 * A gateway's error: from the `APICallError` underneath when it kept one
 * (its headers carry Retry-After), else from its status and type.
 */
function gatewayFailure(
  error: Error & { statusCode?: unknown; type?: unknown },
  source: FailureSource,
  context: ClassifyContext,
): ModelError {
  if (APICallError.isInstance(error.cause)) return apiCallFailure(error.cause, source);
  const status = typeof error.statusCode === "number" && Number.isInteger(error.statusCode) ? error.statusCode : undefined;
  if (status === undefined) return unexpectedAiSdkFailure(error, source, context.inStream ?? false);
  const body = errorBodyOf({ error: { message: describeThrown(error), type: error.type } });
  return bodyFailure(body, source, { status, fallbackMessage: describeThrown(error), cause: error });
}

/**
 * An error object from a stream's `error` part (the provider's error event,
 * as the SDK passes it on or normalises it with a status of its own making).
 */
function errorObjectFailure(error: Record<string, unknown>, source: FailureSource): ModelError {
  const own = errorBodyOf(error);
  const body = own.isError || error.data === undefined ? own : errorBodyOf(error.data);
  const hint = typeof error.statusCode === "number" ? error.statusCode : undefined;
  return bodyFailure(body, source, { hint, where: "stream", fallbackMessage: "an error event without a message" });
}

/** Status codes of a success: an `APICallError` with one failed while reading or using the answer. */
const isSuccess = (status: number) => status >= 200 && status < 300;

/**
 * An `APICallError`: the provider's HTTP error, a transport failure (no
 * status, or a 200 whose body broke off), a 200 the SDK could not use, or
 * an error event the SDK read before any output and wrapped with a status
 * of its own making (it keeps the stream's `text/event-stream` headers).
 */
function apiCallFailure(error: APICallError, source: FailureSource): ModelError {
  const headers = headerLookup(error.responseHeaders);
  const requestId = requestIdOf(headers);
  const status = typeof error.statusCode === "number" && Number.isInteger(error.statusCode) ? error.statusCode : undefined;
  if (status === undefined || (isSuccess(status) && networkCodeOf(error) !== undefined)) return connectionFailure(error, source);
  const body = errorBodyOf(error.responseBody ?? error.data);
  if (isSuccess(status)) {
    if (body.saysError)
      return bodyFailure(body, source, {
        where: "answered 200 with an error:",
        requestId,
        fallbackMessage: error.message,
        cause: error,
      });
    return malformedAnswer(source, `a body that is not an answer (${error.message})`, error.responseBody ?? "", requestId);
  }
  const fromStream = /text\/event-stream/i.test(headers?.get("content-type") ?? "");
  return bodyFailure(body, source, {
    ...(fromStream ? { hint: status, where: "stream" } : { status, headers }),
    requestId,
    fallbackMessage: error.message,
    cause: error,
  });
}

/** What is known of an error besides its body. */
interface BodyContext extends ErrorStatus {
  /** Where the error came from when it has no status, for the message. */
  readonly where?: string;
  /** The response's headers, for Retry-After: only those of the error's own response. */
  readonly headers?: HeaderLookup | undefined;
  /** The provider's request id. */
  readonly requestId?: string | undefined;
  /** The message when the body has none. */
  readonly fallbackMessage: string;
  /** The underlying error, sanitised into `cause`. */
  readonly cause?: unknown;
}

/** A provider's error body as a redacted, bounded {@link ModelError}. */
function bodyFailure(body: ErrorBody, source: FailureSource, context: BodyContext): ModelError {
  const providerMessage = body.message ?? context.fallbackMessage;
  const error = new ModelError({
    provider: source.provider,
    model: source.model,
    kind: errorKindOf(body, context),
    message: `${context.status ?? context.where ?? "stream"} ${providerMessage}`,
    providerMessage,
    ...(context.status === undefined ? {} : { status: context.status }),
    ...(body.code === undefined ? {} : { providerCode: body.code }),
    ...(context.requestId ? { requestId: context.requestId } : {}),
    ...retryAfterOf(context.status, context.headers, body),
    ...(context.cause === undefined ? {} : { cause: context.cause }),
  });
  return redactModelError(error, source.secrets);
}

/** Retry-After; on a 429 without one, the reset of the exhausted limit or Google's retry delay. */
function retryAfterOf(status: number | undefined, headers: HeaderLookup | undefined, body: ErrorBody): { retryAfterMs?: number } {
  const ms = retryAfterMs(headers) ?? (status === 429 ? rateLimitResetMs(headers, body.retryDelay) : undefined);
  return ms === undefined ? {} : { retryAfterMs: ms };
}

/** undici's codes for a timer of its own (headers or body too slow): a timeout, not a dropped connection. */
const timeoutCodes = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/**
 * No HTTP answer (refused, reset, DNS), or one that broke off: `connection`,
 * or `stream_broken` once the stream has delivered content. The SDK says
 * "Cannot connect to API: other side closed"; the errno is deeper down.
 */
function connectionFailure(error: APICallError, source: FailureSource): ModelError {
  const code = networkCodeOf(error);
  if (code !== undefined && timeoutCodes.has(code))
    return failure("timeout", `the HTTP client's own timeout fired (${code})`, source, error);
  const detail = code !== undefined && !error.message.includes(code) ? ` (${code})` : "";
  return failure(
    source.midStream ? "stream_broken" : "connection",
    `connection failed: ${error.message}${detail}`,
    source,
    error,
  );
}

/**
 * The first errno-like `code` (`ECONNRESET`, `UND_ERR_SOCKET`) in an error's
 * chain of causes; `terminated` for fetch's own words for a dropped body
 * when no code is given; `undefined` when nothing in the chain is a network fault.
 */
function networkCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  let dropped = false;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
    dropped ||= /^(terminated|fetch failed|failed to fetch)$/i.test(current.message);
    current = current.cause;
  }
  return dropped ? "terminated" : undefined;
}
