/**
 * The longest delay a Node timer can hold: 2^31 − 1 ms (about 24.8 days).
 * A longer one fires after 1 ms instead, so every duration that reaches a
 * timer is bounded here first.
 */
export const maxTimerMs = 2 ** 31 - 1;

/**
 * The delay to hand to `setTimeout` for a duration of `ms`, or `undefined`
 * for no timer at all (`Infinity`: no limit). Anything else is made safe
 * rather than trusted: a negative or NaN duration fires at once, a fraction
 * is rounded up, and a duration past {@link maxTimerMs} waits that long.
 */
export function timerDelay(ms: number): number | undefined {
  if (ms === Number.POSITIVE_INFINITY) return undefined;
  if (!(ms > 0)) return 0;
  return Math.min(Math.ceil(ms), maxTimerMs);
}

/** What a duration option accepts beyond a positive number of ms. */
export interface DurationRule {
  /** 0 is allowed (a delay may be none). */
  readonly zero?: boolean;
  /** `Infinity` is allowed and means no limit. */
  readonly unlimited?: boolean;
}

/**
 * What is wrong with `value` as a duration in ms under `rule`, or `undefined`
 * when nothing is. Fractions are fine (timers round them up); a finite value
 * past {@link maxTimerMs} is refused rather than clamped, because the caller
 * meant something no timer can do — `Infinity`, where allowed, says "no limit".
 */
export function durationProblem(value: unknown, rule: DurationRule = {}): string | undefined {
  if (value === Number.POSITIVE_INFINITY) return rule.unlimited ? undefined : "cannot be Infinity here";
  const wanted = rule.zero ? "a number ≥ 0" : "a positive number";
  if (typeof value !== "number" || Number.isNaN(value)) return `must be ${wanted} of ms, got ${describeValue(value)}`;
  if (rule.zero ? value < 0 : value <= 0) return `must be ${wanted}, got ${value}`;
  if (value > maxTimerMs) return `must be at most ${maxTimerMs} ms (about 24.8 days, the longest a timer can wait), got ${value}`;
  return undefined;
}

/** The fix to suggest for a wrong duration under `rule`. */
export function durationFix(rule: DurationRule = {}): string {
  const range = rule.zero ? "from 0" : "above 0";
  return `write a number of ms ${range} up to ${maxTimerMs}${rule.unlimited ? ", or `Infinity` for no limit" : ""}`;
}

/** A short description of any value for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "object") return "an object";
  return String(value);
}
