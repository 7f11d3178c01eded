import type { Fallback } from "@understudy/core";
import type { DrillListener, PhaseName, RequestOutcome } from "./drill.ts";

/** Where the view writes: `process.stdout`, or a stand-in in tests. */
export interface Terminal {
  readonly isTTY?: boolean;
  /** The width in columns, on a terminal. */
  readonly columns?: number;
  write(text: string): unknown;
}

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
  out: Terminal = process.stdout,
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
    // Each line cut to the terminal's width: a line that wrapped would take two rows,
    // and moving up one row per line would then leave the panel's top on the screen.
    const columns = out.columns && out.columns > 0 ? out.columns : 80;
    if (drawnLines > 0) out.write(`\x1b[${drawnLines}F\x1b[J`);
    out.write(`${lines.map((line) => fitToWidth(line, columns - 1)).join("\n")}\n`);
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

/** An ANSI escape sequence (colour, cursor move). */
const ansiPattern = "\u001b\\[[0-9;]*[A-Za-z]";

/**
 * `line` cut to at most `columns` terminal columns, with `…` where it was cut.
 * Counts code points, not UTF-16 units, and skips ANSI escape sequences: the
 * panel's bars and marks (`█`, `░`, `●`, `→`) take one column each.
 */
export function fitToWidth(line: string, columns: number): string {
  if (visibleWidth(line) <= columns) return line;
  const ansi = new RegExp(ansiPattern, "y");
  let kept = "";
  let width = 0;
  for (let at = 0; at < line.length && width < columns - 1; ) {
    ansi.lastIndex = at;
    const piece = ansi.exec(line)?.[0] ?? String.fromCodePoint(line.codePointAt(at) ?? 0);
    if (!piece.startsWith("\x1b")) width++;
    kept += piece;
    at += piece.length;
  }
  return `${kept}…${kept.includes("\x1b[") ? "\x1b[0m" : ""}`;
}

/** How many terminal columns `text` takes: its code points, ANSI escape sequences left out. */
export function visibleWidth(text: string): number {
  return [...text.replaceAll(new RegExp(ansiPattern, "g"), "")].length;
}
