import { expect } from "vitest";

/**
 * Deep equality where numbers may differ in their last bits: SQLite sums with
 * compensated (Kahan–Babuška–Neumaier) summation, a loop in JS does not.
 */
export function expectClose(actual: unknown, expected: unknown, path = "$"): void {
  if (typeof expected === "number" && typeof actual === "number") {
    const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
    expect(Math.abs(actual - expected), `${path}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    for (const [index, item] of expected.entries()) expectClose((actual as unknown[])[index], item, `${path}[${index}]`);
    return;
  }
  if (typeof expected === "object" && expected !== null) {
    expect(typeof actual, `${path} is an object`).toBe("object");
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual as object)]);
    for (const key of keys) {
      expectClose((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`);
    }
    return;
  }
  expect(actual, path).toEqual(expected);
}
