import { modelErrorKinds } from "@understudy/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord, type RecordLimits, recordFrom, type StoredRecord } from "./health-codec.ts";

const limits: RecordLimits = { now: 1_760_000_000_000, horizonMs: 24 * 60 * 60 * 1000 };
const timeFields = ["reopenAt", "probeLeaseUntil", "cooldownUntil"] as const;

/** A number as Redis might hand one back: sane, fractional, negative, huge, not finite, or not a number at all. */
const anyNumber = fc.oneof(
  fc.integer({ min: 0, max: limits.now * 2 }),
  fc.double(),
  fc.constantFrom(0, -1, 0.5, 1500.5, 1e300, -1e300, 4_102_444_800_000, Number.MAX_SAFE_INTEGER),
  fc.jsonValue(),
);

/** Something shaped almost like a record, so that the valid path is exercised as much as the garbage one. */
const nearRecord = fc.record(
  {
    breaker: fc.oneof(fc.constantFrom("closed", "open", "half_open", "isolated", "opened", ""), fc.jsonValue()),
    reopenAt: anyNumber,
    probeLeaseUntil: anyNumber,
    cooldownUntil: anyNumber,
    cooldownReason: fc.oneof(fc.constantFrom(...modelErrorKinds, "bogus", undefined), fc.jsonValue()),
    openedBy: fc.oneof(fc.string(), fc.string({ minLength: 300, maxLength: 400 }), fc.jsonValue()),
    probeBy: fc.oneof(fc.string(), fc.jsonValue()),
    probeFailures: fc.oneof(fc.nat({ max: 100 }), anyNumber),
  },
  { requiredKeys: [] },
);

const anyValue = fc.oneof(nearRecord, fc.jsonValue());

/** What every record the codec lets through must satisfy. */
function expectSound(record: StoredRecord | undefined): void {
  if (record === undefined) return;
  expect(["closed", "open", "half_open", "isolated"]).toContain(record.breaker);
  for (const field of timeFields) {
    const value = record[field];
    expect(Number.isFinite(value), `${field} ${value} is finite`).toBe(true);
    expect(Number.isInteger(value), `${field} ${value} is whole`).toBe(true);
    expect(Object.is(value, -0), `${field} is not -0`).toBe(false);
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThanOrEqual(limits.now + limits.horizonMs);
  }
  if (record.cooldownReason !== undefined) expect(modelErrorKinds).toContain(record.cooldownReason);
  if (record.openedBy !== undefined) expect(record.openedBy.length).toBeLessThanOrEqual(256);
  // Absent means none; present, a whole count > 0 (0 is written as absent).
  if (record.probeFailures !== undefined) {
    expect(Number.isSafeInteger(record.probeFailures), `probeFailures ${record.probeFailures} is whole`).toBe(true);
    expect(record.probeFailures).toBeGreaterThan(0);
  }
}

function parseOrUndefined(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

describe("records read from Redis are untrusted", () => {
  it("any JSON value is either no record or a record of finite, whole, non-negative times within the horizon", () => {
    fc.assert(fc.property(anyValue, (value) => expectSound(recordFrom(value, limits))));
  });

  it("any stored text decodes likewise, the same as the value it parses to", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyValue.map((value) => JSON.stringify(value) ?? ""),
          fc.string(),
        ),
        (json) => {
          const record = decodeRecord(json, limits);
          expectSound(record);
          expect(record).toEqual(recordFrom(parseOrUndefined(json), limits));
        },
      ),
    );
  });

  it("a repaired record is stable: decoding it again changes nothing, so a write-back is final", () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        const record = recordFrom(value, limits);
        if (record) expect(decodeRecord(encodeRecord(record), limits)).toEqual(record);
      }),
    );
  });

  it("a sound record within the horizon passes unchanged", () => {
    const record = {
      breaker: "open",
      reopenAt: limits.now + 30_000,
      probeLeaseUntil: 0,
      cooldownUntil: limits.now + 5_000,
      cooldownReason: "rate_limit",
      openedBy: "replica-a",
    } as const;
    expect(recordFrom(record, limits)).toEqual(record);
  });

  it("clamps a reopenAt of 1e300 and a cooldown until 2100 to the horizon, and rounds fractions up", () => {
    const record = recordFrom(
      { breaker: "open", reopenAt: 1e300, probeLeaseUntil: 1500.5, cooldownUntil: Date.UTC(2100, 0, 1), cooldownReason: "quota" },
      limits,
    );
    expect(record).toMatchObject({
      breaker: "open",
      reopenAt: limits.now + limits.horizonMs,
      probeLeaseUntil: 1501,
      cooldownUntil: limits.now + limits.horizonMs,
      cooldownReason: "quota",
    });
  });

  it.each([
    ["an unknown breaker state", { breaker: "ajar", reopenAt: 0, probeLeaseUntil: 0, cooldownUntil: 0 }],
    ["a negative time", { breaker: "open", reopenAt: -5, probeLeaseUntil: 0, cooldownUntil: 0 }],
    ["a time that is not a number", { breaker: "open", reopenAt: "soon", probeLeaseUntil: 0, cooldownUntil: 0 }],
    ["a missing time", { breaker: "open", reopenAt: 0, probeLeaseUntil: 0 }],
    ["an infinite time", { breaker: "open", reopenAt: Number.POSITIVE_INFINITY, probeLeaseUntil: 0, cooldownUntil: 0 }],
  ])("drops a record with %s", (_, value) => {
    expect(recordFrom(value, limits)).toBeUndefined();
  });

  it("a run of failed probes that is a whole number > 0 is kept; any other value is dropped and the record kept", () => {
    fc.assert(
      fc.property(nearRecord, fc.oneof(fc.integer({ min: 1, max: 1_000 }), anyNumber), (value, probeFailures) => {
        const sound = { breaker: "open", reopenAt: limits.now + 2_000, probeLeaseUntil: 0, cooldownUntil: 0 };
        const record = recordFrom({ ...value, ...sound, probeFailures }, limits);
        expect(record).toBeDefined();
        const whole = typeof probeFailures === "number" && Number.isSafeInteger(probeFailures) && probeFailures > 0;
        expect(record?.probeFailures).toBe(whole ? probeFailures : undefined);
      }),
    );
  });

  it("a record without a run of failed probes (written before format 2) decodes as none", () => {
    fc.assert(
      fc.property(nearRecord, (value) => {
        const { probeFailures: _, ...older } = value;
        const record = recordFrom(older, limits);
        if (record) expect(record.probeFailures ?? 0).toBe(0);
      }),
    );
  });

  it("forgets a cooldown reason that is not a known failure kind, and keeps the cooldown", () => {
    const record = recordFrom(
      { breaker: "closed", reopenAt: 0, probeLeaseUntil: 0, cooldownUntil: limits.now + 1_000, cooldownReason: "<script>" },
      limits,
    );
    expect(record).toEqual({
      breaker: "closed",
      reopenAt: 0,
      probeLeaseUntil: 0,
      cooldownUntil: limits.now + 1_000,
      cooldownReason: undefined,
    });
  });
});
