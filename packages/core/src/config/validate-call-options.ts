import { RequestError } from "../errors/request-error.ts";
import { answerChecksProblem } from "./answer-checks-problem.ts";
import { describeValue, durationFix, durationProblem } from "./duration.ts";
import { firstUnknownKey, unknownKeyFix } from "./known-keys.ts";
import type { CallOptions } from "./options.ts";
import { validateTags } from "./validate-tags.ts";

const callOptionKeys = ["signal", "models", "deadlineMs", "midStream", "tags", "answerChecks", "bufferAnswers"];
const midStreamModes = ["error", "restart", "continue"];

/**
 * Checks the options of one `generate` or `stream` call as strictly as
 * `createFallback` checks its config, and throws a {@link RequestError}
 * naming the field and the fix. A misspelt option would otherwise be dropped
 * silently, and a signal that is not an `AbortSignal` would throw a bare
 * `TypeError` from inside the engine.
 */
export function validateCallOptions(options: unknown): asserts options is CallOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new RequestError("options", `must be an object, got ${describeValue(options)}`, "pass `{}` or leave it out");
  }
  const unknown = firstUnknownKey(options, callOptionKeys);
  if (unknown) {
    throw new RequestError(
      `options.${unknown.key}`,
      "is not a known call option",
      unknownKeyFix(unknown.suggestion, callOptionKeys),
    );
  }
  const { signal, deadlineMs, midStream, tags, answerChecks, bufferAnswers } = options as Record<string, unknown>;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new RequestError(
      "options.signal",
      `must be an AbortSignal, got ${describeValue(signal)}`,
      "pass `controller.signal` of an `AbortController`, or `AbortSignal.timeout(ms)`",
    );
  }
  const deadlineProblem = deadlineMs === undefined ? undefined : durationProblem(deadlineMs, { unlimited: true });
  if (deadlineProblem) throw new RequestError("options.deadlineMs", deadlineProblem, durationFix({ unlimited: true }));
  if (midStream !== undefined && !midStreamModes.includes(midStream as string)) {
    throw new RequestError(
      "options.midStream",
      `must be one of ${midStreamModes.map((mode) => `"${mode}"`).join(", ")}, got ${describeValue(midStream)}`,
      "pick one of those, or leave it out for the chain's",
    );
  }
  if (tags !== undefined) validateTags(tags);
  const checksProblem = answerChecksProblem(answerChecks);
  if (checksProblem) throw new RequestError(`options.answerChecks${checksProblem.at}`, checksProblem.problem, checksProblem.fix);
  if (bufferAnswers !== undefined && typeof bufferAnswers !== "boolean") {
    throw new RequestError(
      "options.bufferAnswers",
      `must be true or false, got ${describeValue(bufferAnswers)}`,
      "write `bufferAnswers: true` to check streamed answers",
    );
  }
}

/** An `AbortSignal`, also from another realm (a test runner's, a polyfill's). */
function isAbortSignal(value: unknown): value is AbortSignal {
  if (value instanceof AbortSignal) return true;
  const candidate = value as Partial<AbortSignal> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.aborted === "boolean" &&
    typeof candidate.addEventListener === "function" &&
    typeof candidate.removeEventListener === "function"
  );
}
