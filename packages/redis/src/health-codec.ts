import {
  type BreakerState,
  healthRecordFormat,
  isModelErrorKind,
  type LatencyEstimate,
  type ModelHealthRecord,
} from "@understudy/core/health-store";

/** A record as stored in Redis: the engine's record, plus who opened the breaker and who holds its probe. */
export interface StoredRecord extends ModelHealthRecord {
  /** The process whose failures opened the breaker (it leaves the first probe to others). */
  readonly openedBy?: string;
  /** With `half_open`: the process Redis leased the probe to (so that only it can hand the lease back). */
  readonly probeBy?: string;
}

/**
 * What a record read from Redis may say. Everything there is untrusted: an
 * older or newer version, another program, a person with `redis-cli` may
 * have written it.
 */
export interface RecordLimits {
  /** Epoch ms now. */
  readonly now: number;
  /** The furthest a time may lie past `now`, in ms; a later one is clamped to it. */
  readonly horizonMs: number;
}

/** What {@link inspectRecord} made of a value: a record as it was, a record it had to repair, or none. */
export type Inspection =
  | { readonly verdict: "valid" | "repaired"; readonly record: StoredRecord }
  | { readonly verdict: "invalid"; readonly record?: undefined };

const breakerStates: readonly BreakerState[] = ["closed", "open", "half_open", "isolated"];
const timeFields = ["reopenAt", "probeLeaseUntil", "cooldownUntil"] as const;
/** Longest process name kept from a record: ours are `host:pid:random`; a longer one is not ours to keep. */
const maxNameLength = 256;

/** The JSON stored for a record, marked with its format (`healthRecordFormat`). */
export function encodeRecord(record: StoredRecord): string {
  return JSON.stringify({ format: healthRecordFormat, ...record });
}

/**
 * The record a stored JSON holds, or `undefined` when it holds none: a key
 * written by something else reads as no news (a healthy model) rather than
 * as an error on the request path.
 */
export function decodeRecord(json: string | null | undefined, limits: RecordLimits): StoredRecord | undefined {
  return inspectJson(json, limits).record;
}

/** {@link inspectRecord} of a stored JSON; text that does not parse is `invalid`. */
export function inspectJson(json: string | null | undefined, limits: RecordLimits): Inspection {
  if (!json) return { verdict: "invalid" };
  try {
    return inspectRecord(JSON.parse(json), limits);
  } catch {
    return { verdict: "invalid" };
  }
}

/** The record a parsed value holds (a key's JSON, a message's field), repaired, or `undefined` when it holds none. */
export function recordFrom(value: unknown, limits: RecordLimits): StoredRecord | undefined {
  return inspectRecord(value, limits).record;
}

/**
 * Checks a parsed value as a record. A record is dropped (`invalid`) when
 * its breaker state is unknown or a time is not a finite number ≥ 0: no
 * guess about it would be safer than "no news". It is `repaired` when a time
 * is fractional (rounded up: Redis takes whole ms), lies past the horizon
 * (clamped: a bogus `reopenAt: 1e300` must not bench a model for decades),
 * or a field is of the wrong kind (dropped: an unknown cooldown reason).
 */
export function inspectRecord(value: unknown, limits: RecordLimits): Inspection {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { verdict: "invalid" };
  const fields = value as Record<string, unknown>;
  const breaker = fields.breaker as BreakerState;
  if (!breakerStates.includes(breaker)) return { verdict: "invalid" };
  const latest = limits.now + limits.horizonMs;
  let repaired = false;
  const times: Record<(typeof timeFields)[number], number> = { reopenAt: 0, probeLeaseUntil: 0, cooldownUntil: 0 };
  for (const field of timeFields) {
    const time = fields[field];
    if (typeof time !== "number" || !Number.isFinite(time) || time < 0) return { verdict: "invalid" };
    // `|| 0` turns -0 (a rounded -0.5) into 0.
    const fixed = Math.min(Math.ceil(time), latest) || 0;
    if (fixed !== time) repaired = true;
    times[field] = fixed;
  }
  const reason = fields.cooldownReason;
  const cooldownReason = isModelErrorKind(reason) ? reason : undefined;
  if (cooldownReason === undefined && reason !== undefined && reason !== null) repaired = true;
  const openedBy = nameFrom(fields.openedBy);
  const probeBy = breaker === "half_open" ? nameFrom(fields.probeBy) : undefined;
  if (openedBy === undefined && fields.openedBy !== undefined) repaired = true;
  const latency = latencyFrom(fields.latency);
  if (latency === undefined && fields.latency !== undefined) repaired = true;
  // Absent (a record of format 1 or older) is 0; a count that is not a whole number ≥ 0 is dropped, and so is 0.
  const probeFailures = probeFailuresFrom(fields.probeFailures);
  if (probeFailures === undefined && fields.probeFailures !== undefined && fields.probeFailures !== 0) repaired = true;
  const record: StoredRecord = {
    breaker,
    ...times,
    cooldownReason,
    ...(openedBy !== undefined && { openedBy }),
    ...(probeBy !== undefined && { probeBy }),
    ...(latency !== undefined && { latency }),
    ...(probeFailures !== undefined && { probeFailures }),
  };
  return { verdict: repaired ? "repaired" : "valid", record };
}

/** True for a record that says nothing: closed, no cooldown left. */
export function isHealthy(record: ModelHealthRecord, now: number): boolean {
  return record.breaker === "closed" && record.cooldownUntil <= now;
}

/** The last instant a record matters at (reopen, lease end, cooldown end), never before `now`. */
export function lastInstantOf(record: ModelHealthRecord, now: number): number {
  return Math.max(record.reopenAt, record.probeLeaseUntil, record.cooldownUntil, now);
}

/** A latency estimate whose every figure is a finite number ≥ 0, or `undefined` (then dropped: it only guides, never blocks). */
function latencyFrom(value: unknown): LatencyEstimate | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  const figures = ["firstContentP50Ms", "firstContentP95Ms", "samples", "updatedAt"] as const;
  const sound = figures.every(
    (key) => typeof fields[key] === "number" && Number.isFinite(fields[key]) && (fields[key] as number) >= 0,
  );
  if (!sound) return undefined;
  const [firstContentP50Ms, firstContentP95Ms, samples, updatedAt] = figures.map((key) => fields[key] as number);
  return { firstContentP50Ms, firstContentP95Ms, samples, updatedAt } as LatencyEstimate;
}

/** A run of failed probes: a whole number > 0, or `undefined` for none (it only sets the next interval, never blocks). */
function probeFailuresFrom(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function nameFrom(value: unknown): string | undefined {
  return typeof value === "string" && value.length <= maxNameLength ? value : undefined;
}
