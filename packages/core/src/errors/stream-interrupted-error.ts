import type { AttemptRecord } from "../engine/attempt-record.ts";
import type { ModelError, ModelErrorKind } from "./model-error.ts";
import { brandError, hasErrorBrand, UnderstudyError } from "./understudy-error.ts";

/**
 * A stream failed after some of its answer reached the caller, and the engine
 * did not restart it (`midStream: "error"`, or a complete tool call had
 * already been delivered). What was shown is not a complete answer.
 */
export class StreamInterruptedError extends UnderstudyError {
  /** The failure's kind. */
  readonly kind: ModelErrorKind;
  /** The chain id of the model whose stream broke. */
  readonly model: string;
  /** The request's id. */
  readonly requestId: string;
  /** Every call and skip, in order. */
  readonly attempts: readonly AttemptRecord[];
  /** True when a complete tool call had reached the caller (which is why no restart was made). */
  readonly afterToolCall: boolean;

  /**
   * @param failure - the failure that cut the stream
   * @param details - where it happened
   */
  constructor(
    failure: ModelError,
    details: { model: string; requestId: string; attempts: readonly AttemptRecord[]; afterToolCall: boolean },
  ) {
    const why = details.afterToolCall ? "after a complete tool call reached the caller" : "after content reached the caller";
    super(`${details.model}: stream failed ${why} (${failure.kind}): ${failure.message}`, { cause: failure });
    this.name = "StreamInterruptedError";
    this.kind = failure.kind;
    this.model = details.model;
    this.requestId = details.requestId;
    this.attempts = details.attempts;
    this.afterToolCall = details.afterToolCall;
    brandError(this, "StreamInterruptedError");
  }
}

/** True for a {@link StreamInterruptedError} from any copy of this package. */
export function isStreamInterruptedError(value: unknown): value is StreamInterruptedError {
  return hasErrorBrand(value, "StreamInterruptedError");
}
