import type { EvalCheckResult, EvalModelResult, EvalRegression } from "@understudy/request-log";
import type { EvalSuite } from "../suite/define-eval.ts";
import { thresholdOf } from "../suite/define-eval.ts";
import { promptText } from "../suite/eval-prompt.ts";
import type { PromptOutcome } from "./eval-run.ts";

/** The longest text a regression carries (prompt, answers), in characters. */
export const regressionTextLimit = 600;

/** Each model's figures over its outcomes, in chain order. */
export function summariseModels(suite: EvalSuite, outcomes: readonly PromptOutcome[], complete: boolean): EvalModelResult[] {
  return suite.models.map((model, position) => {
    const mine = outcomes.filter((outcome) => outcome.model === model);
    const passed = mine.filter((outcome) => outcome.passed).length;
    const errors = mine.filter((outcome) => outcome.status === "error").length;
    const passRate = mine.length === 0 ? 0 : passed / mine.length;
    const threshold = thresholdOf(suite, model);
    // Latency of answers: a call that failed (perhaps at once, perhaps after every retry) would skew it either way.
    const answered = mine.filter((outcome) => outcome.status === "answered");
    const latencies = answered.map((outcome) => outcome.latencyMs);
    const firstTokens = answered.flatMap((outcome) => (outcome.firstTokenMs === undefined ? [] : [outcome.firstTokenMs]));
    return {
      model,
      position,
      passRate,
      passed,
      failed: mine.length - passed - errors,
      errors,
      refusals: mine.filter((outcome) => outcome.refused).length,
      checks: checkResults(mine),
      ...percentiles("latency", latencies),
      ...percentiles("firstToken", firstTokens),
      inputTokens: sum(mine.map((outcome) => outcome.inputTokens)),
      outputTokens: sum(mine.map((outcome) => outcome.outputTokens)),
      cost: sum(mine.map((outcome) => outcome.cost)),
      costComplete: mine.every((outcome) => outcome.costComplete),
      ...(threshold === undefined ? {} : { threshold }),
      // An incomplete run cannot show a model reached its bar: it counts as below.
      belowThreshold: threshold !== undefined && (passRate < threshold || !complete || mine.length === 0),
    };
  });
}

function checkResults(outcomes: readonly PromptOutcome[]): EvalCheckResult[] {
  const byName = new Map<string, { passed: number; total: number }>();
  for (const outcome of outcomes) {
    for (const verdict of outcome.checks) {
      const counts = byName.get(verdict.check) ?? { passed: 0, total: 0 };
      counts.total++;
      if (verdict.pass) counts.passed++;
      byName.set(verdict.check, counts);
    }
  }
  return [...byName].map(([check, counts]) => ({ check, ...counts }));
}

/** Nearest-rank percentile of sorted values. */
export function nearestRank(sorted: readonly number[], percent: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[rank - 1];
}

function percentiles(name: "latency" | "firstToken", values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const p50 = nearestRank(sorted, 50);
  const p95 = nearestRank(sorted, 95);
  return {
    ...(p50 === undefined ? {} : { [`${name}P50Ms`]: Math.round(p50) }),
    ...(p95 === undefined ? {} : { [`${name}P95Ms`]: Math.round(p95) }),
  };
}

/** The prompts the primary passed and a backup failed (or did not answer), in prompt then chain order. */
export function findRegressions(suite: EvalSuite, outcomes: readonly PromptOutcome[]): EvalRegression[] {
  const [primaryId] = suite.models;
  const regressions: EvalRegression[] = [];
  for (const prompt of suite.prompts) {
    const primary = outcomes.find((outcome) => outcome.promptId === prompt.id && outcome.model === primaryId);
    if (!primary?.passed) continue;
    for (const outcome of outcomes) {
      if (outcome.promptId !== prompt.id || outcome.position === 0 || outcome.passed) continue;
      const failedChecks =
        outcome.status === "error"
          ? [{ check: "answer", reason: bound(outcome.error ?? "no answer") }]
          : outcome.checks.filter((verdict) => !verdict.pass).map(({ check, reason }) => ({ check, reason: bound(reason) }));
      regressions.push({
        promptId: prompt.id,
        model: outcome.model,
        failedChecks,
        prompt: bound(promptText(prompt.request)),
        primaryAnswer: bound(answerText(primary)),
        answer: bound(answerText(outcome)),
      });
    }
  }
  return regressions;
}

/** An answer as one text: its words, then its tool calls. */
export function answerText(outcome: PromptOutcome): string {
  if (!outcome.answer) return "";
  const calls = outcome.answer.toolCalls.map((call) => `${call.name}(${call.argsText})`);
  return [outcome.answer.text, ...calls].filter((part) => part !== "").join("\n");
}

function bound(text: string): string {
  return text.length <= regressionTextLimit ? text : `${text.slice(0, regressionTextLimit - 1)}…`;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
