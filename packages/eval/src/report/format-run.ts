import type { EvalModelResult } from "@understudy/request-log";
import type { CostEstimate } from "../run/cost-estimate.ts";
import type { EvalRun } from "../run/eval-run.ts";

/** The run as text for a terminal: a table of the models, each check's counts, the regressions and the verdict. */
export function formatRun(run: EvalRun): string {
  const lines: string[] = [`eval ${run.name}: ${run.prompts} prompts × ${run.models.length} models`, ""];
  const header = [
    "model",
    "pass",
    "passed",
    "failed",
    "errors",
    "refusals",
    "p50/p95 ms",
    "TTFT p50/p95",
    "tokens in/out",
    "cost",
  ];
  const rows = run.models.map((model) => [
    `${model.position === 0 ? "primary" : `backup ${model.position}`} ${model.model}`,
    percent(model.passRate),
    String(model.passed),
    String(model.failed),
    String(model.errors),
    String(model.refusals),
    pair(model.latencyP50Ms, model.latencyP95Ms),
    pair(model.firstTokenP50Ms, model.firstTokenP95Ms),
    `${model.inputTokens}/${model.outputTokens}`,
    model.costComplete ? money(model.cost) : `${money(model.cost)} (unpriced)`,
  ]);
  lines.push(...table([header, ...rows]), "");
  for (const model of run.models) {
    if (model.checks.length === 0) continue;
    const counts = model.checks.map((check) => `${check.check} ${check.passed}/${check.total}`).join(", ");
    lines.push(`${model.model} checks: ${counts}`);
  }
  lines.push("");
  if (run.regressions.length === 0) lines.push("No regressions: no backup failed a prompt the primary passed.");
  else {
    lines.push(`Regressions (${run.regressions.length}): prompts a backup failed that the primary passed`);
    for (const regression of run.regressions) {
      const why = regression.failedChecks.map((failed) => `${failed.check}: ${oneLine(failed.reason)}`).join("; ");
      lines.push(`  ${regression.promptId} on ${regression.model}: ${why}`);
    }
  }
  lines.push("", `Spent ${money(run.spent)}${run.judgeCost > 0 ? ` (judges ${money(run.judgeCost)})` : ""}.`);
  if (run.stopped === "max-cost") lines.push(`Stopped at the cost cap: ${run.notRun} prompt×model pairs not run.`);
  if (run.stopped === "aborted") lines.push(`Aborted: ${run.notRun} prompt×model pairs not run.`);
  for (const model of run.models) {
    if (model.threshold === undefined) continue;
    const rate = `${model.model}: pass rate ${percent(model.passRate)}`;
    if (model.belowThreshold && model.passRate >= model.threshold) {
      // Below only because the run stopped early: the pairs not run could have failed.
      const why =
        run.stopped === "max-cost" ? "stopped at the cost cap" : run.stopped === "aborted" ? "interrupted" : "incomplete";
      lines.push(`${rate} over the pairs run; the run was ${why}, so its threshold ${percent(model.threshold)} is not shown met`);
      continue;
    }
    const verdict = model.belowThreshold ? "BELOW" : "meets";
    lines.push(`${rate} ${verdict} its threshold ${percent(model.threshold)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The estimate as text: the total and the models it could not price. */
export function formatEstimate(estimate: CostEstimate): string {
  const priced = estimate.models.filter((model) => model.cost !== undefined && model.calls > 0);
  const parts = priced.map((model) => `${model.model} ${money(model.cost ?? 0)}`);
  const unpriced =
    estimate.unpriced.length > 0 ? `; no price for ${estimate.unpriced.join(", ")} (give one in the suite's prices)` : "";
  const calls = estimate.models.reduce((sum, model) => sum + model.calls, 0);
  return `estimated cost of ${calls} calls: ${money(estimate.total)}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}${unpriced}`;
}

/** The models below their threshold. */
export function belowThreshold(run: EvalRun): EvalModelResult[] {
  return run.models.filter((model) => model.belowThreshold);
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}

function pair(a: number | undefined, b: number | undefined): string {
  return a === undefined ? "-" : `${a}/${b ?? "-"}`;
}

function money(amount: number): string {
  return amount === 0 ? "0" : amount < 0.01 ? amount.toPrecision(2) : amount.toFixed(2);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
}
