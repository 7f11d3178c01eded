import { type ModelErrorKind, modelErrorKinds } from "@understudy/core";
import type { ScriptStep } from "@understudy/testing";
import fc from "fast-check";

const word = fc.constantFrom("the", "quick", "moon", "answer", "is", "forty", "two", "river", "tea");

/** Answer text: a few words, each a chunk by default. */
export const answerText = fc.array(word, { minLength: 1, maxLength: 6 }).map((words) => words.join(" "));

/** What a provider might say about when to come back, sane or not. */
const retryAfter = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, -5, Number.POSITIVE_INFINITY, 1e12, 0.5, -0, 2 ** 31) },
);

/** Usage as an adapter might report it, sane or not. */
const usage = fc.oneof(
  { weight: 4, arbitrary: fc.record({ inputTokens: fc.nat(5_000), outputTokens: fc.nat(5_000) }) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        inputTokens: fc.constantFrom<number>(Number.NaN, -1, 1e20, 3.5, Number.POSITIVE_INFINITY),
        outputTokens: fc.constantFrom<number>(Number.NaN, -7, Number.POSITIVE_INFINITY),
      },
      { requiredKeys: [] },
    ),
  },
);

const failureKinds = modelErrorKinds as readonly ModelErrorKind[];

/** One scripted outcome: answers, failures (before or mid-stream), cuts, stalls, silences, slow and deaf adapters. */
export const scriptStep: fc.Arbitrary<ScriptStep> = fc
  .record(
    {
      text: answerText,
      chunks: fc.integer({ min: 1, max: 4 }),
      delayMs: fc.integer({ min: 0, max: 1_500 }),
      chunkDelayMs: fc.integer({ min: 0, max: 400 }),
      error: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...failureKinds.filter((k) => k !== "aborted")) },
        { weight: 1, arbitrary: fc.constant<ModelErrorKind>("aborted") },
      ),
      status: fc.constantFrom(429, 500, 503, 529, 400, 401),
      retryAfterMs: retryAfter,
      afterChunks: fc.integer({ min: 0, max: 5 }),
      stall: fc.boolean(),
      hang: fc.boolean(),
      usage,
      ignoreAbort: fc.boolean(),
      toolCalls: fc.constant([{ name: "lookup", args: { q: 1 } }]),
      finishReason: fc.constantFrom("length" as const, "content-filter" as const),
    },
    { requiredKeys: ["text"] },
  )
  .map((step) => {
    // A deaf adapter that also hangs would hold its call forever by its own fault, not the engine's.
    if ((step.hang || step.stall) && step.ignoreAbort) {
      const { ignoreAbort: _ignored, ...rest } = step;
      return rest;
    }
    return step;
  });

/** Whether `step` yields a complete answer to `method` (no failure, no hang, no early end). */
export function completes(step: ScriptStep, method: "generate" | "stream"): boolean {
  if (step.error !== undefined || step.hang) return false;
  return method === "generate" || step.afterChunks === undefined;
}

/** The full text `step` answers with, for a model `modelId`. */
export function stepText(step: ScriptStep, modelId: string): string {
  return step.text ?? (step.toolCalls ? "" : `ok from ${modelId}`);
}

/** The most parts a stream of `step` can yield (text chunks and tool-call parts). */
export function maxParts(step: ScriptStep): number {
  const words = (step.text ?? "").split(" ").length;
  return (step.chunks ?? words) + (step.toolCalls ? 2 * step.toolCalls.length : 0) + 1;
}
