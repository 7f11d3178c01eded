/**
 * `@understudy/eval`: evals of every fallback path. Each model of a chain
 * answers a prompt set on its own; checks grade the answers; the run reports
 * pass rates, refusals, latency, tokens and cost per model, and the prompts a
 * backup fails that the primary passes — in the terminal, as JSON, and as a
 * section of the HTML report — with a threshold that can gate CI.
 *
 * @packageDocumentation
 */

export { type AgreementOptions, agreesWithPrimary } from "./checks/agrees-with-primary.ts";
export type { Check, CheckContext, CheckOutcome, EvalAnswer } from "./checks/check.ts";
export { checks } from "./checks/checks.ts";
export { jsonSchema } from "./checks/json-schema.ts";
export { type JudgeOptions, type JudgeVerdict, judge, readVerdict } from "./checks/judge.ts";
export type { JsonSchema } from "./checks/schema-validator.ts";
export {
  answerSimilarity,
  jsonEqual,
  jsonSimilarity,
  normalizedTokens,
  type Similarity,
  tokenF1,
} from "./checks/similarity.ts";
export { contains, custom, notContains, regex, type TextCheckOptions } from "./checks/text-checks.ts";
export { toolCall } from "./checks/tool-call.ts";
export { type EvalCommandIO, evalUsage, runEvalCommand } from "./cli/eval-command.ts";
export { toEvalSection } from "./report/eval-section.ts";
export { formatEstimate, formatRun } from "./report/format-run.ts";
export { type CostEstimate, estimateCost, type ModelCostEstimate } from "./run/cost-estimate.ts";
export type { CallMeasure, CheckVerdict, EvalRun, EvalStop, PromptOutcome } from "./run/eval-run.ts";
export { isRefusal, refusalPhrases } from "./run/refusal.ts";
export {
  type ResultsFileHeader,
  type ResultsRecord,
  resultsFileHeader,
  type StoredAnswer,
  type StoredToolCall,
  type StoredVerdict,
} from "./run/results-file.ts";
export { type EvalProgress, type RunEvalOptions, runEval } from "./run/run-eval.ts";
export { defineEval, type EvalOptions, type EvalSuite, isEvalSuite } from "./suite/define-eval.ts";
export type { EvalPrompt } from "./suite/eval-prompt.ts";
export { EvalSuiteError, isEvalSuiteError } from "./suite/eval-suite-error.ts";
export { loadPrompts, parsePrompts } from "./suite/load-prompts.ts";
