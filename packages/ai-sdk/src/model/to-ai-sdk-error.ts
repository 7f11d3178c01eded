import { APICallError, InvalidArgumentError } from "@ai-sdk/provider";
import {
  type AttemptRecord,
  isFallbackExhaustedError,
  isModelError,
  isRequestError,
  isStreamInterruptedError,
  isUnderstudyError,
  type RequestError,
} from "@understudy/core";
import { attemptSummary } from "./understudy-metadata.ts";

/**
 * A chain's failure as the AI SDK's own error, so that `ai` reports it as
 * it reports a provider's. Every `APICallError` is `isRetryable: false`: the
 * chain has already retried and fallen over under its own policies, and the
 * SDK's `maxRetries` re-running the whole chain would multiply the load on
 * models that are failing. The understudy error is the `cause`; `data`
 * carries the attempts. A caller's abort is rethrown as the signal's reason,
 * which `ai` treats as an abort, not a failure.
 */
export function toAiSdkError(error: unknown, signal: AbortSignal | undefined, url: string): unknown {
  if (signal?.aborted) return abortReasonOf(signal);
  if (isRequestError(error)) return invalidArgument(error);
  if (!isUnderstudyError(error)) return error;
  const attempts = attemptsOf(error);
  const status = isModelError(error) ? error.status : lastStatus(attempts);
  return new APICallError({
    message: error.message,
    url,
    // The prompt stays out of errors: they are logged, and it may hold anything.
    requestBodyValues: undefined,
    ...(status === undefined ? {} : { statusCode: status }),
    isRetryable: false,
    cause: error,
    data: { understudy: { ...failureOf(error), attempts: attempts.map(attemptSummary) } },
  });
}

/** The chain's per-call options come from `providerOptions.understudy`: the error names them as the caller wrote them. */
function invalidArgument(error: RequestError): InvalidArgumentError {
  const argument = error.path.replace(/^options\./, "providerOptions.understudy.");
  return new InvalidArgumentError({ argument, message: error.message.replace(error.path, argument), cause: error });
}

function abortReasonOf(signal: AbortSignal): unknown {
  const { reason } = signal;
  return reason instanceof Error ? reason : new DOMException("The operation was aborted.", "AbortError");
}

function attemptsOf(error: unknown): readonly AttemptRecord[] {
  if (isFallbackExhaustedError(error) || isStreamInterruptedError(error)) return error.attempts;
  return [];
}

/** The failure's kind, or why no model answered: each under its own name, as on the understudy error. */
function failureOf(error: unknown): { kind: string } | { reason: string } | Record<string, never> {
  if (isStreamInterruptedError(error) || isModelError(error)) return { kind: error.kind };
  if (isFallbackExhaustedError(error)) return { reason: error.reason };
  return {};
}

/** The HTTP status of the last failed call, so that `ai`'s logs and telemetry show what the providers said. */
function lastStatus(attempts: readonly AttemptRecord[]): number | undefined {
  return attempts.findLast((attempt) => attempt.status !== undefined)?.status;
}
