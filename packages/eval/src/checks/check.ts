import type { FinishReason, ToolCall } from "@understudy/core";
import type { EvalPrompt } from "../suite/eval-prompt.ts";

/** What one model answered to one prompt, as the checks see it. */
export interface EvalAnswer {
  /** The answer's text (empty for a tool call alone, or a refusal by the provider's filter). */
  readonly text: string;
  /** The tool calls it made, in order. */
  readonly toolCalls: readonly Pick<ToolCall, "name" | "args" | "argsText">[];
  /** Why the model stopped. */
  readonly finishReason: FinishReason;
  /** Whether it refused: a `content-filter` finish or error, or a refusal's wording. */
  readonly refused: boolean;
}

/** A check's verdict on one answer. */
export interface CheckOutcome {
  /** Whether the answer passed. */
  readonly pass: boolean;
  /** Why, in a few words: shown next to a failure, and in the regressions. */
  readonly reason: string;
  /** What the check itself spent (a judge's call), in the unit of the prices. */
  readonly cost?: number;
}

/** What a check knows beside the answer. */
export interface CheckContext {
  /** The prompt answered. */
  readonly prompt: EvalPrompt;
  /** The chain id of the model that answered. */
  readonly model: string;
  /** Its place in the chain (0: the primary). */
  readonly position: number;
  /**
   * The primary's answer to the same prompt, for a backup's answer; undefined
   * for the primary's own answer and when the primary did not answer.
   */
  readonly primary: EvalAnswer | undefined;
  /** The suite's name (a judge tags its calls with it). */
  readonly suite: string;
  /** Fires when the run is aborted. */
  readonly signal: AbortSignal;
}

/**
 * One check of an answer. `run` returns a verdict, or `undefined` when the
 * check does not apply to this answer (`agreesWithPrimary` on the primary's
 * own answer): it is then left out of the counts. A check that throws fails
 * with its error's message; it never stops the run.
 */
export interface Check {
  /** Its name in the results (`json-schema`, `tool-call:get_weather`, `contains:Paris`). */
  readonly name: string;
  /**
   * When set, a resumed run reuses the verdict stored with this same name and
   * fingerprint instead of running the check again: for checks that cost
   * money (a judge). Checks without one run again on the stored answer, so
   * editing a check never leaves a stale verdict.
   */
  readonly fingerprint?: string;
  /** Whether it reads {@link CheckContext.primary}: the runner then waits for the primary's answer. */
  readonly needsPrimary?: boolean;
  /** Judges one answer. */
  run(answer: EvalAnswer, context: CheckContext): CheckOutcome | undefined | Promise<CheckOutcome | undefined>;
}
