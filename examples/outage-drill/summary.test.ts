import { describe, expect, it } from "vitest";
import type { RequestOutcome } from "./drill.ts";
import { roundMoney, summarise, summaryTable } from "./summary.ts";

function outcome(index: number, model: string | undefined, cost: number, wastedCost: number): RequestOutcome {
  return {
    index,
    phase: "healthy",
    startedAt: 1_000 + index,
    model,
    durationMs: 100 + index,
    fallbacks: [],
    skips: [],
    calls: [],
    error: undefined,
    cost,
    wastedCost,
  };
}

describe("the drill's summary", () => {
  it("rounds money to the micro-dollar", () => {
    const noisy = 0.004 + 0.000024 + 0.006577 + 0.00000011;
    expect(String(noisy)).toBe("0.010601109999999999");
    expect(roundMoney(noisy)).toBe(0.010601);
    expect(roundMoney(0.0000004)).toBe(0);
    expect(String(roundMoney(0.1 + 0.2))).toBe("0.3");
  });

  it("adds up costs without float noise, and labels the wasted part as a part", () => {
    // Unrounded, 7 × 0.000177 + 0.0001 prints as 0.0013390000000000001.
    const outcomes = [...[0, 1, 2, 3, 4, 5, 6].map((i) => outcome(i, "claude", 0.000177, 0)), outcome(7, "gpt", 0.0001, 0.00004)];
    const summary = summarise({ outcomes, phases: [] }, "claude");
    expect(JSON.stringify(summary.cost)).toBe('{"total":0.001339,"wasted":0.00004}');
    expect(summaryTable(summary)).toMatch(/^ {2}cost +\$0\.001339, of which wasted on failed attempts \$0\.000040$/m);
  });
});
