import type { SQLInputValue } from "node:sqlite";
import type { ShadowSkipReason } from "@understudy/core";
import type { ShadowSummary } from "../reader/request-log-reader.ts";

type Row = Record<string, SQLInputValue>;

/** Shadow rows joined to their requests, narrowed by a request filter `where` (alias `r`): shadows belong to their request's window. */
const fromShadows = (where: string): string => `FROM shadows s JOIN requests r ON r.request_id = s.request_id WHERE ${where}`;

/** Per shadow model: samples, outcomes, failed checks on each side, cost. Portable SQL (SQLite and PostgreSQL alike). */
export function shadowTotalsSql(where: string): string {
  const count = (condition: string) => `SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
  return `SELECT s.model, COUNT(*) AS sampled,
      ${count("s.outcome = 'answered'")} AS answered,
      ${count("s.outcome = 'failed'")} AS failed,
      ${count("s.outcome = 'answered' AND s.failed_check IS NOT NULL")} AS shadow_checks_failed,
      ${count("s.outcome = 'answered' AND s.real_failed_check IS NOT NULL")} AS real_checks_failed,
      COALESCE(SUM(s.cost), 0) AS cost
    ${fromShadows(where)} GROUP BY s.model ORDER BY s.model`;
}

/** Skipped samples per shadow model and reason. */
export function shadowSkipsSql(where: string): string {
  return `SELECT s.model, s.skip_reason, COUNT(*) AS n ${fromShadows(where)} AND s.outcome = 'skipped'
    GROUP BY s.model, s.skip_reason`;
}

/** The summaries from the rows of {@link shadowTotalsSql} and {@link shadowSkipsSql}. */
export function shadowSummariesFromRows(totals: readonly Row[], skips: readonly Row[]): ShadowSummary[] {
  return totals.map((row) => {
    const model = String(row.model);
    const skipped: Partial<Record<ShadowSkipReason, number>> = {};
    for (const skip of skips) {
      if (String(skip.model) === model) skipped[String(skip.skip_reason) as ShadowSkipReason] = Number(skip.n);
    }
    return {
      model,
      sampled: Number(row.sampled),
      answered: Number(row.answered),
      failed: Number(row.failed),
      skipped,
      shadowChecksFailed: Number(row.shadow_checks_failed),
      realChecksFailed: Number(row.real_checks_failed),
      cost: Number(row.cost),
    };
  });
}
