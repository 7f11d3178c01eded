import { describe, expect, it } from "vitest";
import { boundedDelayMs, maxProviderDelayMs, retryAfterMs } from "./retry-after.ts";

describe("retryAfterMs: a provider's delay is untrusted", () => {
  const now = Date.parse("2026-11-26T10:00:00Z");
  it.each<[Record<string, string>, number | undefined]>([
    [{ "retry-after": "999999999" }, maxProviderDelayMs],
    [{ "retry-after": "Fri, 01 Jan 2100 00:00:00 GMT" }, maxProviderDelayMs],
    [{ "retry-after-ms": "1e12" }, maxProviderDelayMs],
    [{ "retry-after-ms": "1e3" }, 1_000],
    [{ "retry-after-ms": "12.4" }, 12],
    [{ "retry-after-ms": "-5", "retry-after": "2" }, 2_000],
    [{ "retry-after-ms": "NaN", "retry-after": "2" }, 2_000],
    [{ "retry-after-ms": "Infinity" }, undefined],
    [{ "retry-after-ms": "1e400" }, undefined],
    [{ "retry-after-ms": "12abc" }, undefined],
    [{ "retry-after-ms": "0x10" }, undefined],
    [{ "retry-after": "-5" }, undefined],
    [{ "retry-after": "1e400" }, undefined],
  ])("%j → %s", (entries, expected) => {
    expect(retryAfterMs(new Headers(entries), now)).toBe(expected);
  });

  it("bounds a computed delay: whole ms, at most 2^31 − 1, nothing negative or non-finite", () => {
    expect(maxProviderDelayMs).toBe(2_147_483_647);
    expect(boundedDelayMs(1.6)).toBe(2);
    expect(boundedDelayMs(3.6e11)).toBe(maxProviderDelayMs);
    expect(boundedDelayMs(-1)).toBeUndefined();
    expect(boundedDelayMs(Number.NaN)).toBeUndefined();
    expect(boundedDelayMs(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});
