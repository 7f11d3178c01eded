import { describe, expect, it } from "vitest";
import { periodsOf } from "./unavailable-periods.ts";

describe("periodsOf", () => {
  it("joins a model's skips no more than gapMs apart, and starts a new period after a longer quiet", () => {
    const skips = [
      { model: "a", at: 0, reason: "open" as const },
      { model: "a", at: 50, reason: "half_open_probe_in_flight" as const },
      { model: "a", at: 100, reason: "open" as const },
      { model: "a", at: 300, reason: "cooldown" as const },
      { model: "b", at: 310, reason: "isolated" as const },
    ];
    expect(periodsOf(skips, 100)).toEqual([
      { model: "a", from: 0, to: 100, skips: 3, reasons: ["open", "half_open_probe_in_flight"] },
      { model: "a", from: 300, to: 300, skips: 1, reasons: ["cooldown"] },
      { model: "b", from: 310, to: 310, skips: 1, reasons: ["isolated"] },
    ]);
    expect(periodsOf([], 100)).toEqual([]);
  });
});
