/** The minimal header lookup the SDKs' `Headers` objects (and plain fetch `Headers`) provide. */
export interface HeaderLookup {
  /** The header's value, or null or undefined when absent; `name` is lower case. */
  get(name: string): string | null | undefined;
}

/**
 * The delay a provider asked for, in ms, from `retry-after-ms` (OpenAI) or
 * `retry-after` (seconds, or an HTTP date); `undefined` when it sent neither.
 * The rate-limit reset headers are not read here: they come on every answer
 * and describe the window, not a delay (adapters fall back to them on a 429 only).
 */
export function retryAfterMs(headers: HeaderLookup | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number.parseFloat(value) * 1_000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
