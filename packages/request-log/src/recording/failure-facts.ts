import {
  type ExhaustedReason,
  isFallbackExhaustedError,
  isModelError,
  isStreamInterruptedError,
  type ModelErrorKind,
} from "@understudy/core";
import type { RequestOutcome } from "../records/request-record.ts";

/** What a request's record says of the error it ended with (read at once: the error itself is not kept). */
export interface FailureFacts {
  readonly outcome: Exclude<RequestOutcome, "success">;
  readonly name: string;
  readonly message: string;
  readonly kind: ModelErrorKind | undefined;
  readonly exhaustedReason: ExhaustedReason | undefined;
}

/** Reads the facts of the error a request ended with, by the brands of understudy's errors. */
export function failureFacts(error: Error): FailureFacts {
  const { name, message } = error;
  if (isFallbackExhaustedError(error)) {
    // Its most actionable failure, the one a person acts on first.
    const kind = isModelError(error.cause) ? error.cause.kind : undefined;
    return { outcome: "exhausted", name, message, kind, exhaustedReason: error.reason };
  }
  if (isStreamInterruptedError(error))
    return { outcome: "interrupted", name, message, kind: error.kind, exhaustedReason: undefined };
  if (isModelError(error)) {
    const outcome = error.kind === "aborted" ? "aborted" : "surfaced";
    return { outcome, name, message, kind: error.kind, exhaustedReason: undefined };
  }
  return { outcome: "error", name, message, kind: undefined, exhaustedReason: undefined };
}
