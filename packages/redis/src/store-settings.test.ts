import { isConfigError } from "@understudy/core";
import { describe, expect, it } from "vitest";
import { resolveSettings } from "./store-settings.ts";

describe("RedisHealthStore timings", () => {
  it("fills in the defaults; the record horizon follows isolatedTtlMs, and the TTL cap covers both", () => {
    expect(resolveSettings({})).toEqual({
      probeTimeoutMs: 150,
      refreshMs: 5_000,
      probeGraceMs: 1_000,
      recordTtlMarginMs: 60_000,
      isolatedTtlMs: 86_400_000,
      maxRecordHorizonMs: 86_400_000,
      maxTtlMs: 86_460_000,
    });
    expect(resolveSettings({ isolatedTtlMs: 1_000 })).toMatchObject({ maxRecordHorizonMs: 1_000, maxTtlMs: 61_000 });
  });

  it("rounds fractions up: Redis takes whole ms", () => {
    expect(resolveSettings({ probeTimeoutMs: 99.2, recordTtlMarginMs: 0.5 })).toMatchObject({
      probeTimeoutMs: 100,
      recordTtlMarginMs: 1,
    });
  });

  it.each([
    ["refreshMs", Number.NaN],
    ["refreshMs", 0],
    ["probeTimeoutMs", -1],
    ["isolatedTtlMs", Number.POSITIVE_INFINITY],
    ["maxRecordHorizonMs", 1e300],
    ["probeTimeoutMs", "150"],
  ])("refuses %s: %s at once, with what to write instead", (name, value) => {
    let thrown: unknown;
    try {
      resolveSettings({ [name]: value });
    } catch (error) {
      thrown = error;
    }
    expect(isConfigError(thrown)).toBe(true);
    expect((thrown as Error).message).toContain(`RedisHealthStoreOptions.${name}`);
  });
});
