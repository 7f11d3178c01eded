import { ModelError, type ModelErrorKind } from "./model-error.ts";
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
 * A copy of an SDK error fit for `cause`: its name and redacted message, and
 * nothing else. The SDK's own error may carry request options, and an
 * OpenAI-compatible server may echo the key in its body.
 */
export function redactedError(error: unknown, secrets: readonly (string | undefined)[]): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const copy = new Error(redactSecrets(source.message, secrets));
  copy.name = source.name;
  return copy;
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
    return adapterFailure(
      source.midStream ? "stream_broken" : "connection",
      `connection failed: ${error.message}`,
      source,
      error,
    );
  }
  return undefined;
}

/** What an adapter makes of an error that is neither transport nor API: a malformed stream (JSON), or a network fault. */
export function unexpectedFailure(error: unknown, source: FailureSource): ModelError {
  if (error instanceof SyntaxError) return adapterFailure("stream_broken", `malformed stream: ${error.message}`, source, error);
  const message = error instanceof Error ? error.message : String(error);
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
