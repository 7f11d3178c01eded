import { ConfigError } from "@understudy/core";

/** The timings of a `RedisHealthStore`, every one in whole ms. */
export interface StoreSettings {
  /** Longest wait for Redis when taking a probe lease. */
  readonly probeTimeoutMs: number;
  /** Interval of the background refresh (and of the retry of sharing while degraded). */
  readonly refreshMs: number;
  /** How much longer the process that opened a breaker leaves its probe to the others. */
  readonly probeGraceMs: number;
  /** How long a record lives past its last instant that matters. */
  readonly recordTtlMarginMs: number;
  /** How long an isolated model stays isolated without a reset. */
  readonly isolatedTtlMs: number;
  /** The furthest a time in a record may lie in the future; a later one is clamped to it. */
  readonly maxRecordHorizonMs: number;
  /** The longest TTL the store gives a key: `max(isolatedTtlMs, maxRecordHorizonMs + recordTtlMarginMs)`. */
  readonly maxTtlMs: number;
}

/** The timing options as a caller writes them; every one optional. */
export type StoreTimingOptions = Partial<Omit<StoreSettings, "maxTtlMs">>;

const day = 24 * 60 * 60 * 1000;

/** The longest duration an option may name: a year, so that every TTL and time sent to Redis stays an ordinary integer. */
export const maxSettingMs = 365 * day;

/** The longest a Node timer can wait (2^31 − 1 ms, about 24.8 days); a longer one would fire after 1 ms. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * The settings for `options`: defaults filled in, fractions rounded up (Redis
 * takes whole ms), and anything that cannot work refused at once with a
 * `ConfigError` rather than failing later, command by command, in Redis.
 */
export function resolveSettings(options: StoreTimingOptions): StoreSettings {
  const isolatedTtlMs = duration(options, "isolatedTtlMs", day, { min: 1, max: maxSettingMs });
  const recordTtlMarginMs = duration(options, "recordTtlMarginMs", 60_000, { min: 0, max: maxSettingMs });
  const maxRecordHorizonMs = duration(options, "maxRecordHorizonMs", isolatedTtlMs, { min: 1, max: maxSettingMs });
  return {
    probeTimeoutMs: duration(options, "probeTimeoutMs", 150, { min: 0, max: maxTimerMs }),
    refreshMs: duration(options, "refreshMs", 5_000, { min: 1, max: maxTimerMs }),
    probeGraceMs: duration(options, "probeGraceMs", 1_000, { min: 0, max: maxSettingMs }),
    recordTtlMarginMs,
    isolatedTtlMs,
    maxRecordHorizonMs,
    maxTtlMs: Math.max(isolatedTtlMs, maxRecordHorizonMs + recordTtlMarginMs),
  };
}

function duration(
  options: StoreTimingOptions,
  name: keyof StoreTimingOptions,
  fallback: number,
  bounds: { readonly min: number; readonly max: number },
): number {
  const value: unknown = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || Math.ceil(value) < bounds.min || value > bounds.max) {
    throw new ConfigError(
      `RedisHealthStoreOptions.${name}`,
      `must be a number of ms from ${bounds.min} to ${bounds.max}, got ${String(value)}`,
      `write a whole number of ms in that range, or leave it out for the default (${fallback})`,
    );
  }
  return Math.ceil(value);
}
