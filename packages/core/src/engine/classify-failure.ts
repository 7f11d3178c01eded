import { BrokenCircuitError, BulkheadRejectedError, IsolatedCircuitError, TaskCancelledError } from "cockatiel";
import type { ModelSettings } from "../config/model-settings.ts";
import { isModelError, ModelError, type ModelErrorKind } from "../errors/model-error.ts";
import type { AbortCause } from "../policies/abort-scope.ts";

/**
 * Turns whatever ended an attempt into a {@link ModelError}. The scope's abort
 * cause wins over what the adapter threw: an SDK reports a timer's abort as a
 * user abort (or as a silent end of stream), and only the engine knows which
 * timer fired.
 */
export function classifyFailure(
  thrown: unknown,
  cause: AbortCause | undefined,
  settings: ModelSettings,
  firstTokenMs: number | false = settings.firstTokenMs,
): ModelError {
  const { adapter } = settings;
  const base = { provider: adapter.provider, model: adapter.modelId, cause: thrown };
  if (cause) return new ModelError({ ...base, ...abortOutcome(cause, settings, firstTokenMs) });
  if (isModelError(thrown)) return thrown;
  if (thrown instanceof BrokenCircuitError || thrown instanceof IsolatedCircuitError || thrown instanceof BulkheadRejectedError) {
    return new ModelError({
      ...base,
      kind: "unsupported",
      message: `the model's own policy refused the call (${thrown.constructor.name})`,
    });
  }
  if (thrown instanceof TaskCancelledError) {
    return new ModelError({ ...base, kind: "timeout", message: `the model's own policy cancelled the call: ${thrown.message}` });
  }
  const detail = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  return new ModelError({ ...base, kind: "server", message: `the adapter threw something other than a ModelError (${detail})` });
}

function abortOutcome(
  cause: AbortCause,
  settings: ModelSettings,
  firstTokenMs: number | false,
): { kind: ModelErrorKind; message: string } {
  switch (cause) {
    case "caller":
      return { kind: "aborted", message: "the caller aborted the request" };
    case "consumer":
      return { kind: "aborted", message: "the consumer stopped reading the stream" };
    case "cleanup":
      return { kind: "aborted", message: "the attempt had already ended" };
    case "hedge-lost":
      return { kind: "aborted", message: "the other call of a hedge delivered first" };
    case "deadline":
      return { kind: "timeout", message: "the request's deadline ran out" };
    case "attempt-timeout":
      return { kind: "timeout", message: `no answer within attemptMs (${String(settings.attemptMs)} ms)` };
    case "first-token-timeout":
      return firstTokenMs === settings.firstTokenMs
        ? { kind: "timeout", message: `no first token within firstTokenMs (${String(firstTokenMs)} ms)` }
        : { kind: "timeout", message: `no first token within the learned first-token timer (${String(firstTokenMs)} ms)` };
    case "idle-timeout":
      return { kind: "timeout", message: `the stream was idle for idleMs (${String(settings.idleMs)} ms)` };
    case "policy":
      return { kind: "timeout", message: "the model's own policy cancelled the call" };
  }
}
