import { describe, expect, it } from "vitest";
import { type FirstTokenPlan, firstTokenDelayMs, indexedPrompt, indexOfPrompt, isSlow, warmUpBase } from "./first-token-plan.ts";

const plan: FirstTokenPlan = { slowShare: 0.1, fastMs: [100, 200], slowMs: [2_000, 3_000], tokenDelayMs: 0, salt: 1 };

describe("the first-token plan", () => {
  it("reads back the index a prompt carries", () => {
    expect(indexOfPrompt(indexedPrompt("Name one moon of Jupiter.", 17))).toBe(17);
    expect(indexOfPrompt(indexedPrompt("x", warmUpBase + 3))).toBe(warmUpBase + 3);
    expect(indexOfPrompt("Name one moon of Jupiter.")).toBeUndefined();
  });

  it("draws exactly the share of slow requests per hundred, each delay within its range, the same every time", () => {
    const indices = Array.from({ length: 1_000 }, (_, index) => index);
    const slow = indices.filter((index) => isSlow(plan, index));
    expect(slow.length).toBe(100);
    expect(indices.filter((index) => isSlow({ ...plan, slowShare: 0.25 }, index + warmUpBase))).toHaveLength(250);
    expect(indices.filter((index) => isSlow({ ...plan, slowShare: 0 }, index))).toHaveLength(0);
    for (const index of indices) {
      const delay = firstTokenDelayMs(plan, index);
      const [low, high] = isSlow(plan, index) ? plan.slowMs : plan.fastMs;
      expect(delay).toBeGreaterThanOrEqual(low);
      expect(delay).toBeLessThan(high);
    }
    expect(indices.map((index) => firstTokenDelayMs(plan, index))).toEqual(
      indices.map((index) => firstTokenDelayMs(plan, index)),
    );
  });

  it("draws two models' requests independently", () => {
    const other = { ...plan, salt: 2 };
    const both = Array.from({ length: 10_000 }, (_, index) => index).filter(
      (index) => isSlow(plan, index) && isSlow(other, index),
    );
    expect(both.length).toBeGreaterThan(50);
    expect(both.length).toBeLessThan(150);
  });
});
