import type { DrillRun, RequestOutcome } from "./drill.ts";

/** The drill's result in figures. */
export interface DrillSummary {
  readonly requests: number;
  readonly answered: number;
  readonly unanswered: number;
  readonly answeredBy: Readonly<Record<string, number>>;
  readonly failoversByReason: Readonly<Record<string, number>>;
  readonly skipsByReason: Readonly<Record<string, number>>;
  /** Requests the app sent while the primary was down. */
  readonly requestsDuringOutage: number;
  /** Calls the library made to the primary while it was down (the breaker keeps this low). */
  readonly primaryCallsDuringOutage: number;
  /** Requests the primary answered after the recovery began. */
  readonly primaryAnswersAfterRecovery: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number };
  /** In dollars, rounded to the micro-dollar; `wasted` is the part spent on attempts that failed. */
  readonly cost: { readonly total: number; readonly wasted: number };
}

/**
 * Rounds dollars to 6 decimals, so sums of prices print as `0.010601`, not
 * `0.010601100000000001`.
 */
export function roundMoney(dollars: number): number {
  return Math.round(dollars * 1e6) / 1e6;
}

/** Summarises the library's outcomes (the server's log is kept apart, to check this against). */
export function summarise(run: Pick<DrillRun, "outcomes" | "phases">, primaryId: string): DrillSummary {
  const { outcomes } = run;
  const outage = run.phases.find((p) => p.name === "primary outage");
  const recovery = run.phases.find((p) => p.name === "recovery");
  const answered = outcomes.filter((o) => o.model !== undefined);
  const primaryCalls = outcomes.flatMap((o) => o.calls.filter((c) => c.model === primaryId));
  const durations = answered.map((o) => o.durationMs).sort((a, b) => a - b);
  return {
    requests: outcomes.length,
    answered: answered.length,
    unanswered: outcomes.length - answered.length,
    answeredBy: countBy(answered.map((o) => o.model ?? "")),
    failoversByReason: countBy(outcomes.flatMap((o) => o.fallbacks.map((f) => f.split(":").at(-1) ?? f))),
    skipsByReason: countBy(outcomes.flatMap((o) => o.skips.map((s) => s.split(":").at(-1) ?? s))),
    requestsDuringOutage: outcomes.filter((o) => o.phase === "primary outage").length,
    primaryCallsDuringOutage: outage
      ? primaryCalls.filter((c) => c.startedAt >= outage.from && c.startedAt < outage.to).length
      : 0,
    primaryAnswersAfterRecovery: recovery
      ? answered.filter((o) => o.model === primaryId && o.startedAt >= recovery.from).length
      : 0,
    latencyMs: { p50: percentile(durations, 0.5), p95: percentile(durations, 0.95) },
    cost: { total: roundMoney(sum(outcomes.map((o) => o.cost))), wasted: roundMoney(sum(outcomes.map((o) => o.wastedCost))) },
  };
}

/** The summary as a table for the terminal. */
export function summaryTable(summary: DrillSummary): string {
  const rows: [string, string][] = [
    ["requests", `${summary.requests} (${summary.answered} answered, ${summary.unanswered} not)`],
    ["answered by", entries(summary.answeredBy)],
    ["failovers by reason", entries(summary.failoversByReason) || "none"],
    ["skips by reason", entries(summary.skipsByReason) || "none"],
    [
      "primary calls in the outage",
      `${summary.primaryCallsDuringOutage} for ${summary.requestsDuringOutage} requests (the breaker's saving: ${Math.max(0, summary.requestsDuringOutage - summary.primaryCallsDuringOutage)} calls)`,
    ],
    ["primary answers after recovery", String(summary.primaryAnswersAfterRecovery)],
    ["latency p50 / p95", `${summary.latencyMs.p50} ms / ${summary.latencyMs.p95} ms`],
    ["cost", `$${summary.cost.total.toFixed(6)}, of which wasted on failed attempts $${summary.cost.wasted.toFixed(6)}`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join("\n");
}

/** One call's start, for counting the primary's calls by phase. */
export type CallStart = RequestOutcome["calls"][number];

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function entries(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([key, count]) => `${key} ${count}`)
    .join(", ");
}

function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
