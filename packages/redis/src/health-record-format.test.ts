import { healthRecordFormat, type ModelHealthRecord } from "@understudy/core/health-store";
import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord, type StoredRecord } from "./health-codec.ts";

/**
 * The reader of the release before the versioned format (0.1.0, commit
 * 7e1156c), frozen here as it shipped: replicas roll one at a time, so what
 * this release writes must still read there.
 */
function previousReleaseRecordFrom(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  const numbers = [fields.reopenAt, fields.probeLeaseUntil, fields.cooldownUntil];
  const states = ["closed", "open", "half_open", "isolated"];
  if (!states.includes(fields.breaker as string) || !numbers.every((n) => typeof n === "number")) return undefined;
  return {
    breaker: fields.breaker,
    reopenAt: fields.reopenAt,
    probeLeaseUntil: fields.probeLeaseUntil,
    cooldownUntil: fields.cooldownUntil,
    cooldownReason: fields.cooldownReason,
    ...(typeof fields.openedBy === "string" && { openedBy: fields.openedBy }),
  };
}

const now = Date.parse("2026-11-30T12:00:00Z");
const limits = { now, horizonMs: 24 * 3_600_000 };
const open: StoredRecord = {
  breaker: "open",
  reopenAt: now + 30_000,
  probeLeaseUntil: 0,
  cooldownUntil: 0,
  cooldownReason: undefined,
  openedBy: "host:1:abc",
  latency: { firstContentP50Ms: 420, firstContentP95Ms: 1_900, samples: 64, updatedAt: now - 1_000 },
  probeFailures: 3,
};

describe("the versioned record format", () => {
  it("marks what it writes with its format, and keeps the latency estimate", () => {
    const json = JSON.parse(encodeRecord(open)) as Record<string, unknown>;
    expect(json.format).toBe(healthRecordFormat);
    expect(decodeRecord(encodeRecord(open), limits)).toEqual(open);
  });

  it("what this release writes is read by the previous release, as the same health", () => {
    const { latency: _, probeFailures: __, ...health } = open;
    expect(previousReleaseRecordFrom(JSON.parse(encodeRecord(open)))).toEqual(health);
  });

  it("what the previous release wrote (no format) is read by this one", () => {
    const written: ModelHealthRecord & { openedBy: string } = {
      breaker: "half_open",
      reopenAt: now - 1,
      probeLeaseUntil: now + 5_000,
      cooldownUntil: 0,
      cooldownReason: undefined,
      openedBy: "old:2:def",
    };
    const read = decodeRecord(JSON.stringify(written), limits);
    expect(read).toMatchObject({ breaker: "half_open", probeLeaseUntil: now + 5_000 });
    expect(read?.probeFailures ?? 0).toBe(0);
  });

  it("what format 1 wrote (latency, no run of failed probes) is read by this one as no failed probes", () => {
    const { probeFailures: _, ...formatOne } = open;
    const read = decodeRecord(JSON.stringify({ format: 1, ...formatOne }), limits);
    expect(read).toEqual(formatOne);
    expect(read?.probeFailures ?? 0).toBe(0);
  });

  it("a newer release's record is read by the fields this one knows; a broken estimate is dropped, not the record", () => {
    const newer = { ...JSON.parse(encodeRecord(open)), format: healthRecordFormat + 1, hedgeBudget: { left: 3 } };
    expect(decodeRecord(JSON.stringify(newer), limits)).toEqual(open);
    const broken = { ...newer, latency: { firstContentP50Ms: "fast" } };
    const { latency: _, ...withoutLatency } = open;
    expect(decodeRecord(JSON.stringify(broken), limits)).toEqual(withoutLatency);
  });
});
