import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maxTokenCount, tokenCount } from "./token-count.ts";

describe("tokenCount", () => {
  it.each<[unknown, number]>([
    [12, 12],
    [0, 0],
    [7.6, 8],
    ["7", 7],
    [" 42 ", 42],
    [-5, 0],
    ["-5", 0],
    [Number.NaN, 0],
    [null, 0],
    [undefined, 0],
    ["seven", 0],
    ["0x10", 0],
    [{ tokens: 3 }, 0],
    [[3], 0],
    [true, 0],
    [1e308, maxTokenCount],
    [Number.POSITIVE_INFINITY, maxTokenCount],
    ["1e308", 0],
  ])("%j → %d", (value, expected) => {
    expect(tokenCount(value)).toBe(expected);
  });

  it("always gives a whole number from 0 to the bound (property)", () => {
    fc.assert(
      fc.property(fc.anything(), fc.double(), (value, number) => {
        for (const count of [tokenCount(value), tokenCount(number), tokenCount(String(number))]) {
          expect(Number.isInteger(count) && count >= 0 && count <= maxTokenCount).toBe(true);
        }
      }),
    );
  });
});
