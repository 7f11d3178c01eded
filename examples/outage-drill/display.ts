import type { Fallback } from "@understudy/core";
import type { DrillListener, PhaseName, RequestOutcome } from "./drill.ts";

const breakerMarks: Record<string, string> = {
  closed: "● closed",
  open: "○ open",
  half_open: "◐ probing",
  isolated: "■ isolated",
};

/**
 * The drill's live view. On a terminal it redraws a panel (phase, progress bar,
 * each model's breaker, the last requests); elsewhere (CI, a pipe) it prints
 * one line per request and per phase.
 */
export function liveView(
  expectedRequests: number,
  out: NodeJS.WriteStream = process.stdout,
): { listener: DrillListener; finish: () => void } {
  const recent: string[] = [];
  const answered = new Map<string, number>();
  let done = 0;
  let phase: PhaseName = "healthy";
  let drawnLines = 0;
  const tty = out.isTTY === true;

  const draw = (chat: Fallback): void => {
    const width = 30;
    const filled = Math.min(width, Math.round((done / Math.max(1, expectedRequests)) * width));
    const lines = [
      `understudy outage drill — phase: ${phase}`,
      `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${done}/${expectedRequests} requests`,
      ...chat.health().map((model) => {
        const until = model.reopenAt ?? model.cooldownUntil;
        const wait = until ? ` (${Math.max(0, (until - Date.now()) / 1_000).toFixed(1)} s)` : "";
        const state = model.cooldownUntil
          ? `◌ cooling down${wait}`
          : `${breakerMarks[model.breaker] ?? model.breaker}${model.breaker === "open" ? wait : ""}`;
        return `  ${model.id.padEnd(7)} ${state.padEnd(24)} answered ${answered.get(model.id) ?? 0}`;
      }),
      ...recent.slice(-6),
    ];
    if (drawnLines > 0) out.write(`\x1b[${drawnLines}F\x1b[J`);
    out.write(`${lines.join("\n")}\n`);
    drawnLines = lines.length;
  };

  const listener: DrillListener = (event, chat) => {
    if (event.kind === "phase") {
      phase = event.phase;
      if (!tty) out.write(`\n── ${phase}\n`);
    } else {
      done++;
      const line = describe(event.outcome);
      if (event.outcome.model) answered.set(event.outcome.model, (answered.get(event.outcome.model) ?? 0) + 1);
      if (tty) recent.push(`  ${line}`);
      else out.write(`${line}\n`);
    }
    if (tty) draw(chat);
  };
  return { listener, finish: () => out.write("\n") };
}

function describe(outcome: RequestOutcome): string {
  const who = outcome.model ?? "UNANSWERED";
  const why = [...outcome.fallbacks.map((f) => `switched ${f}`), ...outcome.skips.map((s) => `skipped ${s}`)];
  return `#${String(outcome.index).padStart(3)} ${who.padEnd(6)} ${String(outcome.durationMs).padStart(5)} ms  ${why.join("; ") || outcome.error || ""}`;
}
