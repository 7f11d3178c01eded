import { isModelError, ModelError, type ModelErrorKind } from "../errors/model-error.ts";
import { redactSecrets } from "./redact-secrets.ts";

/** Who failed, and which secrets must never appear in what an adapter reports. */
export interface FailureSource {
  /** The provider name. */
  readonly provider: string;
  /** The provider's model id. */
  readonly model: string;
  /** The keys the adapter holds; redacted wherever they appear. */
  readonly secrets: readonly (string | undefined)[];
  /** True once a stream has delivered content: a dropped connection is then a broken stream. */
  readonly midStream?: boolean;
}

/**
 * What was thrown, as text for a message, whatever it is: an error's
 * message, or the value as a string. Never throws itself, though `String()`
 * does on an object without a prototype or one whose `toString` throws: a
 * hostile SDK or server must not turn a classified failure into a crash.
 */
export function describeThrown(value: unknown): string {
  try {
    if (value instanceof Error) return String(value.message);
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * The `name` of what was thrown (`AbortError`, `TimeoutError`), when it is
 * an object with a string name; read without trusting a getter.
 */
export function thrownName(value: unknown): string | undefined {
  try {
    const name = typeof value === "object" && value !== null ? (value as { name?: unknown }).name : undefined;
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A copy of an SDK error fit for `cause`: its name and redacted message, and
 * nothing else. The SDK's own error may carry request options, and an
 * OpenAI-compatible server may echo the key in its body.
 */
export function redactedError(error: unknown, secrets: readonly (string | undefined)[]): Error {
  const copy = new Error(redactSecrets(describeThrown(error), secrets));
  copy.name = thrownName(error) ?? "Error";
  return copy;
}

/**
 * A copy of `error` with every field that may carry provider text redacted
 * (see {@link redactSecrets}): `message`, `providerMessage`, `providerCode`,
 * `requestId`, and `cause` replaced by {@link redactedError}'s sanitised copy
 * (no stack, no fields of the original). Adapters pass every error they
 * throw through it, so that no field can be forgotten.
 */
export function redactModelError(error: ModelError, secrets: readonly (string | undefined)[]): ModelError {
  const clean = (text: string | undefined, max: number) => (text === undefined ? undefined : boundedText(text, max, secrets));
  return new ModelError({
    kind: error.kind,
    message: boundedText(error.message, maxProviderText, secrets),
    provider: error.provider,
    model: error.model,
    status: error.status,
    retryAfterMs: error.retryAfterMs,
    requestId: clean(error.requestId, maxProviderIdText),
    providerCode: clean(error.providerCode, maxProviderIdText),
    providerMessage: clean(error.providerMessage, maxProviderText),
    ...(error.cause === undefined ? {} : { cause: redactedError(error.cause, secrets) }),
  });
}

/**
 * The most characters of a provider's own text (a message) a failure keeps:
 * a provider may echo a whole request or page into its error, and every
 * attempt record, event and log line would carry it.
 */
export const maxProviderText = 2_000;

/** The most characters of a provider's id or code a failure keeps. */
const maxProviderIdText = 200;

/** Provider text made safe to keep: redacted, and cut to `max` characters (cut first, so a huge text costs no more than a small one). */
function boundedText(text: string, max: number, secrets: readonly (string | undefined)[]): string {
  if (text.length <= max) return redactSecrets(text, secrets);
  const clean = redactSecrets(text.slice(0, max * 2), secrets);
  return `${clean.slice(0, max)}…`;
}

/** How many characters of an unusable body a failure's message quotes. */
export const maxBodyExcerpt = 200;

/**
 * A short quote of a body an adapter could not use, for a message: on one
 * line, redacted, at most {@link maxBodyExcerpt} characters.
 */
export function bodyExcerpt(body: unknown, secrets: readonly (string | undefined)[]): string {
  const text = body === undefined ? "(empty)" : typeof body === "string" ? body : jsonOrString(body);
  // Cut before redacting, so a huge body costs no more than a small one.
  const clean = redactSecrets(text.slice(0, maxBodyExcerpt * 2).replace(/\s+/g, " "), secrets).trim();
  return clean.length > maxBodyExcerpt || text.length > maxBodyExcerpt * 2 ? `${clean.slice(0, maxBodyExcerpt)}…` : clean;
}

function jsonOrString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? describeThrown(value);
  } catch {
    return describeThrown(value);
  }
}

/**
 * A 200 whose body is not the answer it should be (`null`, HTML, a field of
 * the wrong type): a `server` failure, because the provider answered with
 * something no client can use. `problem` says what is wrong ("a body that is
 * not a chat completion"); the message quotes the body, bounded and redacted.
 */
export function malformedAnswer(source: FailureSource, problem: string, body: unknown, requestId?: string | null): ModelError {
  return redactModelError(
    new ModelError({
      kind: "server",
      provider: source.provider,
      model: source.model,
      message: `answered 200 with ${problem}: ${bodyExcerpt(body, source.secrets)}`,
      ...(requestId ? { requestId } : {}),
    }),
    source.secrets,
  );
}

/**
 * A stream event of the wrong shape (a text delta that is an object, an
 * event that is `null`): `stream_broken`, like a chunk that is not JSON.
 * `problem` says what is wrong; the message quotes the event, bounded and redacted.
 */
export function malformedChunk(source: FailureSource, problem: string, chunk: unknown): ModelError {
  return redactModelError(
    new ModelError({
      kind: "stream_broken",
      provider: source.provider,
      model: source.model,
      message: `malformed stream: ${problem}: ${bodyExcerpt(chunk, source.secrets)}`,
    }),
    source.secrets,
  );
}

/**
 * A request the adapter could not translate (its translation threw): the
 * caller's own bug, so `invalid_request`, which never counts against a
 * model's health. A {@link ModelError} the translation threw on purpose
 * (`unsupported`) is kept.
 */
export function untranslatableRequest(error: unknown, source: FailureSource): ModelError {
  if (isModelError(error)) return redactModelError(error, source.secrets);
  const detail = describeThrown(error);
  return adapterFailure("invalid_request", `cannot translate the request for ${source.model}: ${detail}`, source, error);
}

/**
 * An `invalid_request` failure when `body` cannot be serialised as the SDKs
 * do it (`JSON.stringify`: a cycle, a BigInt, a throwing `toJSON`), else
 * `undefined`. Call it when an SDK call failed with an error that is not the
 * SDK's own: a body the SDK could not even send is the caller's bug, never
 * a provider's `connection` fault.
 */
export function unserialisableRequest(body: unknown, source: FailureSource): ModelError | undefined {
  try {
    JSON.stringify(body);
    return undefined;
  } catch (error) {
    const detail = describeThrown(error);
    return adapterFailure("invalid_request", `the request cannot be sent as JSON: ${detail}`, source, error);
  }
}

/** A {@link ModelError} for a failure an adapter saw, its message redacted and its cause sanitised. */
export function adapterFailure(kind: ModelErrorKind, message: string, source: FailureSource, error: unknown): ModelError {
  return new ModelError({
    kind,
    provider: source.provider,
    model: source.model,
    message: redactSecrets(message, source.secrets),
    cause: redactedError(error, source.secrets),
  });
}

/** A constructor of an SDK error class, as `instanceof` needs it. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * The transport error classes of an SDK. `openai` and `@anthropic-ai/sdk` are
 * generated from one template and both carry these (pass the client class).
 */
export interface SdkTransportErrors {
  /** Thrown when the call's signal aborted it: classified `aborted`. */
  readonly APIUserAbortError: ErrorClass;
  /** Thrown when the SDK's own timeout fired: classified `timeout`. */
  readonly APIConnectionTimeoutError: ErrorClass;
  /** Thrown when no HTTP response arrived (refused, reset, DNS): classified `connection`. */
  readonly APIConnectionError: ErrorClass;
}

/**
 * A failure that is not the provider's answer — the caller's abort, the SDK's
 * own timeout, a dropped connection (a broken stream once content arrived) —
 * or `undefined` for anything else. Check it before the SDK's `APIError`: the
 * abort class extends it.
 */
export function transportFailure(error: unknown, source: FailureSource, sdk: SdkTransportErrors): ModelError | undefined {
  if (error instanceof sdk.APIUserAbortError) return adapterFailure("aborted", "the request was aborted", source, error);
  if (error instanceof sdk.APIConnectionTimeoutError)
    return adapterFailure("timeout", "the SDK's own timeout fired", source, error);
  if (error instanceof sdk.APIConnectionError) {
    const detail = rootCauseOf(error);
    return adapterFailure(
      source.midStream ? "stream_broken" : "connection",
      `connection failed: ${error.message}${detail ? ` (${detail})` : ""}`,
      source,
      error,
    );
  }
  return undefined;
}

/**
 * What lies at the bottom of an SDK's connection error, where the host and
 * the errno are: the SDK says only "Connection error.", fetch "fetch failed",
 * the socket "connect ECONNREFUSED 127.0.0.1:8080".
 */
function rootCauseOf(error: Error): string | undefined {
  let deepest: unknown = error;
  for (let depth = 0; depth < 8 && deepest instanceof Error && deepest.cause instanceof Error; depth++) deepest = deepest.cause;
  if (deepest === error || !(deepest instanceof Error)) return undefined;
  const code = (deepest as { code?: unknown }).code;
  return typeof code === "string" && !deepest.message.includes(code) ? `${code}: ${deepest.message}` : deepest.message;
}

/** What an adapter makes of an error that is neither transport nor API: a malformed stream (JSON), or a network fault. */
export function unexpectedFailure(error: unknown, source: FailureSource): ModelError {
  if (error instanceof SyntaxError) return adapterFailure("stream_broken", `malformed stream: ${error.message}`, source, error);
  const message = describeThrown(error);
  return adapterFailure(source.midStream ? "stream_broken" : "connection", message, source, error);
}

/**
 * A stream that ended without its terminal event (`missing` names it): broken,
 * or `aborted` when the signal fired — both SDKs end an aborted stream silently.
 */
export function unfinishedStream(
  source: Pick<FailureSource, "provider" | "model">,
  signal: AbortSignal,
  missing: string,
): ModelError {
  return new ModelError({
    kind: signal.aborted ? "aborted" : "stream_broken",
    provider: source.provider,
    model: source.model,
    message: `the stream ended without ${missing}`,
  });
}

/** A request feature the model cannot express, refused before any call so the engine moves on. */
export function unsupportedFeature(source: Pick<FailureSource, "provider" | "model">, feature: string): ModelError {
  return new ModelError({
    kind: "unsupported",
    provider: source.provider,
    model: source.model,
    message: `${source.model} cannot take ${feature}`,
  });
}
