import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { durationProblem, maxTimerMs, timerDelay } from "./duration.ts";

describe("timerDelay", () => {
  it("is no timer for Infinity, and a whole number of ms within the timer's range for anything else", () => {
    expect(timerDelay(Number.POSITIVE_INFINITY)).toBeUndefined();
    fc.assert(
      fc.property(fc.double(), (ms) => {
        if (ms === Number.POSITIVE_INFINITY) return;
        const delay = timerDelay(ms);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(maxTimerMs);
        if (ms > 0 && ms <= maxTimerMs) expect(delay).toBe(Math.ceil(ms));
      }),
    );
  });
});

describe("durationProblem", () => {
  it("accepts exactly the numbers a timer can wait, and Infinity only where it means no limit", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double(), fc.string(), fc.constant(null), fc.boolean()),
        fc.boolean(),
        fc.boolean(),
        (value, zero, unlimited) => {
          const problem = durationProblem(value, { zero, unlimited });
          const fits =
            (typeof value === "number" && value <= maxTimerMs && (zero ? value >= 0 : value > 0)) ||
            (unlimited && value === Number.POSITIVE_INFINITY);
          expect(problem === undefined).toBe(fits);
        },
      ),
    );
  });
});
