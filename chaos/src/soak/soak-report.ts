import { describeHedgeStats } from "../harness/hedge-invariants.ts";
import { isTolerated, knownIssues } from "../harness/known-issues.ts";
import { describeViolation, type Violation } from "../harness/violation.ts";
import { soakDeadlineMs, soakModels } from "./soak-chain.ts";
import type { SoakReport } from "./soak-run.ts";

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function handlesLine(counts: Readonly<Record<string, number>>): string {
  const parts = Object.entries(counts)
    .filter(([type]) => type !== "PipeWrap" && type !== "TTYWrap")
    .map(([type, n]) => `${n} ${type}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

/** The soak's report, for people; `failing` says whether it must exit non-zero. */
export function formatSoakReport(report: SoakReport): { text: string; failing: boolean } {
  const { options } = report;
  const lines: string[] = [];
  const chain = soakModels.map((m) => `${m.modelId} (${m.provider}, ${Math.round(m.faultRate * 100)}% faults)`).join(" → ");
  lines.push(`understudy soak — seed ${options.seed}: replay with \`pnpm soak --seed ${options.seed}\``);
  lines.push(`chain   ${chain}; deadline ${soakDeadlineMs} ms; real adapters over the fault server`);
  lines.push(`hedging ${report.hedging.config}`);
  const seconds = report.wallMs / 1_000;
  lines.push(
    `ran     ${report.requests} requests in ${seconds.toFixed(1)} s (${(report.requests / seconds).toFixed(0)}/s), ${options.concurrency} at a time`,
  );
  lines.push("");
  lines.push("outcomes");
  const sorted = [...report.outcomes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const width = Math.max(...sorted.map(([name]) => name.length), 10);
  for (const [name, count] of sorted) lines.push(`  ${name.padEnd(width)}  ${String(count).padStart(6)}`);
  lines.push("");
  const latencies = [...report.latencies].sort((a, b) => a - b);
  lines.push(
    `latency p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${(latencies.at(-1) ?? 0).toFixed(0)} ms (event loop lag up to ${report.maxLoopLagMs.toFixed(0)} ms)`,
  );
  lines.push(`hedges  ${describeHedgeStats(report.hedging.stats)}`);
  const delta = report.heap.afterMB - report.heap.beforeMB;
  lines.push(
    `heap    ${delta >= 0 ? "+" : ""}${delta.toFixed(1)} MB (${report.heap.beforeMB.toFixed(1)} → ${report.heap.afterMB.toFixed(1)} MB${report.heap.gc ? ", after gc" : ", no --expose-gc: not collected"})`,
  );
  lines.push(
    `handles ${report.handles.extra.length === 0 ? "+0" : report.handles.extra.join(", ")} (before: ${handlesLine(report.handles.before)}; after: ${handlesLine(report.handles.after)})`,
  );
  lines.push("");
  const failing = report.violations.filter((v) => !isTolerated(v.known));
  const tolerated = report.violations.filter((v) => isTolerated(v.known));
  if (report.violations.length === 0) lines.push("invariants: all held");
  else {
    lines.push(
      `invariants: ${failing.length} broken${tolerated.length > 0 ? `, ${tolerated.length} more of tolerated known issues` : ""}`,
    );
    lines.push(...group(report.violations));
  }
  return { text: lines.join("\n"), failing: failing.length > 0 };
}

/** Violations by invariant and known issue: a count and the first three of each. */
function group(violations: readonly Violation[]): string[] {
  const groups = new Map<string, Violation[]>();
  for (const v of violations) {
    const key = `${v.invariant}${v.known ? ` (known: ${v.known}${isTolerated(v.known) ? ", tolerated" : ""})` : " (new)"}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const lines: string[] = [];
  for (const [key, list] of groups) {
    lines.push(`  ${key}: ${list.length}`);
    const known = list[0]?.known;
    if (known) lines.push(`    ${knownIssues[known]}`);
    for (const v of list.slice(0, 3))
      lines.push(
        `    - ${describeViolation(v)
          .replace(/^\[[^\]]+\] /, "")
          .slice(0, 600)}`,
      );
  }
  return lines;
}
