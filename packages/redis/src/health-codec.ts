import { type BreakerState, isModelErrorKind, type ModelHealthRecord } from "@understudy/core";

/** A record as stored in Redis: the engine's record, plus the process that opened the breaker. */
export interface StoredRecord extends ModelHealthRecord {
  /** The process whose failures opened the breaker (it leaves the first probe to others). */
  readonly openedBy?: string;
}

const breakerStates: readonly BreakerState[] = ["closed", "open", "half_open", "isolated"];

/** The JSON stored for a record. */
export function encodeRecord(record: StoredRecord): string {
  return JSON.stringify(record);
}

/**
 * The record a stored JSON holds, or `undefined` when it is not one: a key
 * written by something else, or by an incompatible version, reads as no
 * news (a healthy model) rather than as an error on the request path.
 */
export function decodeRecord(json: string | null | undefined): StoredRecord | undefined {
  if (!json) return undefined;
  try {
    return recordFrom(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/** The record a parsed value holds (a key's JSON, a message's field), or `undefined` when it is not one. */
export function recordFrom(value: unknown): StoredRecord | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  const numbers = [fields.reopenAt, fields.probeLeaseUntil, fields.cooldownUntil];
  if (!breakerStates.includes(fields.breaker as BreakerState) || !numbers.every((n) => typeof n === "number")) return undefined;
  return {
    breaker: fields.breaker as BreakerState,
    reopenAt: fields.reopenAt as number,
    probeLeaseUntil: fields.probeLeaseUntil as number,
    cooldownUntil: fields.cooldownUntil as number,
    cooldownReason: isModelErrorKind(fields.cooldownReason) ? fields.cooldownReason : undefined,
    ...(typeof fields.openedBy === "string" && { openedBy: fields.openedBy }),
  };
}

/** True for a record that says nothing: closed, no cooldown left. */
export function isHealthy(record: ModelHealthRecord, now: number): boolean {
  return record.breaker === "closed" && record.cooldownUntil <= now;
}
