import { afterAll, describe, expect, it } from "vitest";
import { fitToWidth, liveView, type Terminal, visibleWidth } from "./display.ts";
import { drillChain, type RequestOutcome } from "./drill.ts";

/**
 * A terminal of `columns` columns, enough of one for the live panel: it wraps
 * long lines (as a terminal does, once a character falls past the last column)
 * and honours the panel's two escape sequences, "cursor up N lines" (`ESC[NF`)
 * and "erase below" (`ESC[J`). `screen()` is what the user sees.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what this matches.
const controlSequence = /^\u001b\[(\d*)([A-Za-z])/;

function fakeTerminal(columns: number): Terminal & { screen(): string[] } {
  const rows: string[][] = [[]];
  let row = 0;
  let column = 0;
  const write = (text: string) => {
    for (let at = 0; at < text.length; ) {
      const sequence = controlSequence.exec(text.slice(at));
      if (sequence) {
        if (sequence[2] === "F") {
          row = Math.max(0, row - Number(sequence[1] || 1));
          column = 0;
        } else if (sequence[2] === "J") {
          rows[row] = (rows[row] ?? []).slice(0, column);
          rows.length = row + 1;
        }
        at += sequence[0].length;
        continue;
      }
      const char = String.fromCodePoint(text.codePointAt(at) ?? 0);
      at += char.length;
      if (char === "\n" || column === columns) {
        row++;
        column = 0;
        rows[row] ??= [];
        if (char === "\n") continue;
      }
      const line = rows[row] ?? [];
      line[column++] = char;
      rows[row] = line;
    }
    return true;
  };
  return { isTTY: true, columns, write, screen: () => rows.map((line) => line.join("")) };
}

const chat = drillChain({
  anthropicBaseURL: "http://127.0.0.1:9",
  openaiBaseURL: "http://127.0.0.1:9/v1",
  geminiBaseURL: "http://127.0.0.1:9",
});
afterAll(() => chat.close());

function outcome(index: number, fallbacks: string[], skips: string[]): RequestOutcome {
  return {
    index,
    phase: "primary outage",
    startedAt: Date.now(),
    model: "gemini",
    durationMs: 812,
    fallbacks,
    skips,
    calls: [],
    error: undefined,
    cost: 0.000002,
    wastedCost: 0,
  };
}

describe("the drill's live panel", () => {
  it("at 80 columns, lines longer than the terminal do not leave copies of the panel behind", () => {
    const terminal = fakeTerminal(80);
    const view = liveView(120, terminal);
    view.listener({ kind: "phase", phase: "healthy" }, chat);
    view.listener({ kind: "phase", phase: "primary outage" }, chat);
    for (let index = 0; index < 8; index++) {
      // 100-odd columns: two fallbacks and a skip, as in the brown-out.
      const long = outcome(index, ["claude→gpt:overloaded", "gpt→gemini:server"], ["claude:breaker_open", "gpt:cooldown"]);
      view.listener({ kind: "done", outcome: long }, chat);
    }
    const screen = terminal.screen();
    expect(
      screen.filter((line) => line.startsWith("understudy outage drill")),
      screen.join("\n"),
    ).toHaveLength(1);
    expect(screen[0]).toBe("understudy outage drill — phase: primary outage");
    // One row per model of the chain, in its order: Claude, GPT, Gemini.
    expect(screen.slice(2, 5).map((line) => line.trim().split(" ")[0])).toEqual(["claude", "gpt", "gemini"]);
    // The last six requests are shown, each on one row, cut with an ellipsis.
    const requests = screen.filter((line) => /^ {2}# {2}\d gemini/.test(line));
    expect(requests.map((line) => line.slice(2, 6))).toEqual(["#  2", "#  3", "#  4", "#  5", "#  6", "#  7"]);
    for (const line of requests) {
      expect(line.endsWith("…")).toBe(true);
      expect(visibleWidth(line)).toBe(79);
    }
  });

  it("cuts lines to the terminal's width, whatever it is", () => {
    const terminal = fakeTerminal(60);
    const view = liveView(10, terminal);
    view.listener({ kind: "done", outcome: outcome(1, ["claude→gpt:overloaded", "gpt→gemini:server"], []) }, chat);
    expect(Math.max(...terminal.screen().map(visibleWidth))).toBeLessThanOrEqual(59);
  });

  it("counts a bar or a mark as one column, and leaves out colour codes", () => {
    expect(visibleWidth("[████░░░░] ● closed → ◌")).toBe(23);
    expect(visibleWidth("\u001b[31mred\u001b[0m")).toBe(3);
    expect(fitToWidth("█".repeat(100), 10)).toBe(`${"█".repeat(9)}…`);
    expect(fitToWidth("short", 10)).toBe("short");
    expect(fitToWidth("exactly 10", 10)).toBe("exactly 10");
    expect(fitToWidth(`\u001b[31m${"x".repeat(20)}\u001b[0m`, 5)).toBe("\u001b[31mxxxx…\u001b[0m");
  });

  it("off a terminal, prints one line per request, uncut", () => {
    const lines: string[] = [];
    const view = liveView(10, { isTTY: false, write: (text: string) => lines.push(text) });
    view.listener({ kind: "phase", phase: "healthy" }, chat);
    view.listener(
      { kind: "done", outcome: outcome(3, ["claude→gpt:overloaded", "gpt→gemini:server"], ["claude:breaker_open"]) },
      chat,
    );
    expect(lines).toEqual([
      "\n── healthy\n",
      "#  3 gemini   812 ms  switched claude→gpt:overloaded; switched gpt→gemini:server; skipped claude:breaker_open\n",
    ]);
  });
});
