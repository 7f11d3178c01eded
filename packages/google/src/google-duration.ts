import { boundedDelayMs } from "@understudy/core/adapter";

/** A Duration as protobuf's JSON writes it: seconds with up to nine decimals and an `s` (`"36s"`, `"0.5s"`, `"1.000340s"`). */
const duration = /^(\d+(?:\.\d+)?)s$/;

/**
 * A `google.protobuf.Duration` in JSON form (`RetryInfo.retryDelay`: `"36s"`,
 * `"0.5s"`) in whole ms, at most `maxProviderDelayMs` (`"99999999s"` is read
 * as that); `undefined` for anything else — a negative duration, another
 * unit, a number too large to be one — since a provider's value is ignored
 * rather than trusted.
 *
 * @example
 * ```ts
 * parseGoogleDuration("36s"); // 36_000
 * parseGoogleDuration("0.5s"); // 500
 * parseGoogleDuration("-5s"); // undefined
 * ```
 */
export function parseGoogleDuration(value: string | null | undefined): number | undefined {
  const match = typeof value === "string" ? duration.exec(value.trim()) : null;
  if (!match) return undefined;
  return boundedDelayMs(Number(match[1]) * 1_000);
}
