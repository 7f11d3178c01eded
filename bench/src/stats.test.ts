import { describe, expect, it } from "vitest";
import { ascending, median, quantile, spreadOf } from "./stats.ts";

describe("stats", () => {
  it("takes quantiles by nearest rank", () => {
    const sorted = ascending([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
    expect(quantile(sorted, 0.5)).toBe(5);
    expect(quantile(sorted, 0.99)).toBe(10);
    expect(quantile(sorted, 0)).toBe(1);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("gives the median of unsorted values without reordering them", () => {
    const values = [3, 1, 2];
    expect(median(values)).toBe(2);
    expect(values).toEqual([3, 1, 2]);
  });

  it("spreads per-round figures around their median", () => {
    expect(spreadOf([12, 10, 30, 11])).toEqual({ value: 11, low: 10, high: 30 });
  });
});
