/**
 * The most tokens one usage field may report: 100 000 000. No model reads or
 * writes that much in one call; a provider that says more sent garbage, and
 * passing it on would make an absurd cost.
 */
export const maxTokenCount = 100_000_000;

/** Digits, with an optional fraction: how a proxy might send a count as a string. */
const digits = /^\d+(?:\.\d+)?$/;

/**
 * A token count a provider reported, made safe to add and price: a whole
 * number from 0 to {@link maxTokenCount}. Numbers and digit strings (`"7"`)
 * are read (fractions rounded; too large is capped); anything else — negative,
 * NaN, `null`, an object, a string that is not digits — counts as 0, because
 * a usage field is untrusted input and must never make a total a string
 * (`0 + "7"` is `"07"`) or a cost negative.
 *
 * @example
 * ```ts
 * tokenCount(12); // 12
 * tokenCount("7"); // 7
 * tokenCount(-5); // 0
 * tokenCount(1e308); // 100_000_000
 * ```
 */
export function tokenCount(value: unknown): number {
  const number = typeof value === "string" && digits.test(value.trim()) ? Number(value) : value;
  if (typeof number !== "number" || Number.isNaN(number) || number <= 0) return 0;
  return Math.min(Math.round(number), maxTokenCount);
}
