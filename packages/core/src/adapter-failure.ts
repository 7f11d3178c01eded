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
