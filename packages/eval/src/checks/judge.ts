import { type ChatRequest, createFallback, type Fallback, type ModelAdapter } from "@understudy/core";
import { promptText } from "../suite/eval-prompt.ts";
import type { Check, EvalAnswer } from "./check.ts";

/** Options of {@link judge}. */
export interface JudgeOptions {
  /** The model that grades: a chain of your choosing, or one adapter (`openai("gpt-4.1")`). */
  readonly judge: Fallback | ModelAdapter;
  /** What a good answer does, in your words: the judge grades against it. */
  readonly rubric: string;
  /** The least score, 0 to 1, that passes. Default 0.7. */
  readonly min?: number;
  /** The check's name in the results. Default `judge`. */
  readonly name?: string;
}

const instructions =
  "You grade an AI assistant's answer to a user's prompt against a rubric. " +
  'Reply with JSON only, exactly {"score": <a number from 0 to 1>, "reason": "<one short sentence>"}: ' +
  "1 when the answer meets the rubric fully, 0 when it does not at all.";

const verdictSchema = {
  type: "object",
  properties: { score: { type: "number", minimum: 0, maximum: 1 }, reason: { type: "string" } },
  required: ["score", "reason"],
  additionalProperties: false,
} as const;

/**
 * Asks a model of your choosing to grade the answer against `rubric`, as JSON
 * `{"score": 0..1, "reason": "..."}`; passes when the score reaches `min`. A
 * judge answer that is not such JSON fails the check with the reason "judge
 * answer unreadable". Its calls carry the tags `eval` (the suite's name) and
 * `role: "judge"`, and what they cost is the run's `judgeCost`. A resumed run
 * reuses the verdicts it stored for the same rubric and `min`.
 */
export function judge(options: JudgeOptions): Check {
  const min = options.min ?? 0.7;
  if (!(min >= 0 && min <= 1)) throw new RangeError(`judge: min must be from 0 to 1; got ${min}`);
  let chain: Fallback | undefined;
  const judgeChain = (): Fallback => {
    chain ??= isChain(options.judge) ? options.judge : createFallback({ models: [{ model: options.judge }] });
    return chain;
  };
  const judgeName = isChain(options.judge)
    ? options.judge.modelIds.join(",")
    : `${options.judge.provider}:${options.judge.modelId}`;
  return {
    name: options.name ?? "judge",
    fingerprint: JSON.stringify([judgeName, options.rubric, min]),
    run: async (answer, { prompt, suite, signal }) => {
      const result = await judgeChain().generate(gradingRequest(options.rubric, promptText(prompt.request), answer), {
        signal,
        tags: { eval: suite, role: "judge" },
      });
      const cost = result.cost.total;
      const verdict = readVerdict(result.text);
      if (!verdict) return { pass: false, reason: "judge answer unreadable", cost };
      const pass = verdict.score >= min;
      return { pass, reason: `judge ${verdict.score} ${pass ? "≥" : "<"} ${min}: ${verdict.reason}`, cost };
    },
  };
}

function isChain(judge: Fallback | ModelAdapter): judge is Fallback {
  return "modelIds" in judge && typeof judge.stream === "function";
}

function gradingRequest(rubric: string, prompt: string, answer: EvalAnswer): ChatRequest {
  const calls = answer.toolCalls.map((call) => `${call.name}(${call.argsText})`);
  const shown = [answer.text, ...(calls.length > 0 ? [`Tool calls: ${calls.join("; ")}`] : [])].join("\n");
  return {
    system: instructions,
    messages: [
      {
        role: "user",
        content: `Rubric:\n${rubric}\n\nThe user's prompt:\n<prompt>\n${prompt}\n</prompt>\n\nThe answer:\n<answer>\n${shown}\n</answer>`,
      },
    ],
    responseFormat: { type: "json", schema: verdictSchema, name: "verdict" },
    maxTokens: 300,
    temperature: 0,
  };
}

/** A judge's grade of an answer. */
export interface JudgeVerdict {
  /** From 0 (misses the rubric) to 1 (meets it fully). */
  readonly score: number;
  /** Why, in the judge's words. */
  readonly reason: string;
}

/** The judge's score and reason, or undefined when its answer is not that JSON (a fence around it is forgiven). */
export function readVerdict(text: string): JudgeVerdict | undefined {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { score, reason } = value as { score?: unknown; reason?: unknown };
  if (typeof score !== "number" || !(score >= 0 && score <= 1)) return undefined;
  return { score, reason: typeof reason === "string" ? reason : "" };
}
