import { maxTimerMs } from "../config/duration.ts";

/** The minimal header lookup the SDKs' `Headers` objects (and plain fetch `Headers`) provide. */
export interface HeaderLookup {
  /** The header's value, or null or undefined when absent; `name` is lower case. */
  get(name: string): string | null | undefined;
}

/**
 * The longest delay an adapter reports from a provider's header: 2^31 − 1 ms
 * (about 24.8 days), the longest a Node timer can wait. A provider's
 * `retry-after: 999999999` is read as this; the engine then applies its own,
 * much smaller cap (`cooldown.maxMs`).
 */
export const maxProviderDelayMs = maxTimerMs;

/** A plain non-negative decimal number (`7`, `0.5`, `1e3`): no sign, no hex, no `Infinity`. */
const plainNumber = /^\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;

/**
 * A delay worked out from what a provider sent, made safe to report: whole
 * ms, at most {@link maxProviderDelayMs}; `undefined` when it is not a finite
 * number ≥ 0 (a provider's value is ignored rather than trusted).
 */
export function boundedDelayMs(ms: number): number | undefined {
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(Math.round(ms), maxProviderDelayMs);
}

/**
 * The delay a provider asked for, in ms, from `retry-after-ms` (OpenAI) or
 * `retry-after` (seconds, or an HTTP date); `undefined` when it sent neither,
 * or nothing readable (negative, not a number, not finite). Whole ms, capped
 * at {@link maxProviderDelayMs}; a date in the past is 0.
 * The rate-limit reset headers are not read here: they come on every answer
 * and describe the window, not a delay (adapters fall back to them on a 429 only).
 */
export function retryAfterMs(headers: HeaderLookup | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = plainNumberOf(headers.get("retry-after-ms"));
  if (ms !== undefined) return boundedDelayMs(ms);
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  const seconds = plainNumberOf(value);
  if (seconds !== undefined) return boundedDelayMs(seconds * 1_000);
  // An HTTP date names its month and weekday; V8's Date.parse also takes "-5" (the year -5).
  const date = /[a-z]{3}/i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(date) ? undefined : boundedDelayMs(Math.max(0, date - now));
}

/** The value as a finite number ≥ 0, or `undefined` when it is anything else. */
function plainNumberOf(value: string | null | undefined): number | undefined {
  const text = value?.trim();
  if (!text || !plainNumber.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

const durationUnits: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/**
 * A rate-limit reset given as a duration — OpenAI's `x-ratelimit-reset-*`
 * (`6m0s`, `1.5s`, `12ms`, `1h2m3s`), Google's `retryDelay` (`34s`) — in
 * whole ms, at most {@link maxProviderDelayMs} (`99999h` is read as that);
 * `undefined` for anything else, or a value too large to be a number.
 */
export function resetDurationMs(value: string | null | undefined): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let total = 0;
  let matched = "";
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number.parseFloat(match[1] ?? "0") * (durationUnits[match[2] ?? ""] ?? 0);
    matched += match[0];
  }
  return matched === text ? boundedDelayMs(total) : undefined;
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/;

/**
 * The delay until a rate-limit reset given as an RFC 3339 time (Anthropic's
 * `anthropic-ratelimit-*-reset`): whole ms, capped; 0 once it has passed;
 * `undefined` when unreadable.
 */
export function resetTimeMs(value: string | null | undefined, now: number = Date.now()): number | undefined {
  // Only an RFC 3339 time: V8's Date.parse also takes "-5" (the year -5) and other odd strings.
  const at = value && rfc3339.test(value.trim()) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : boundedDelayMs(Math.max(0, at - now));
}
