import { type SharedLatency, sharedLatencyFrom } from "@understudy/core/health-store";
import { inspectRecord, type RecordLimits, type StoredRecord } from "./health-codec.ts";

/** A change announced on the channel: a model's new record, or `null` when it became healthy (its key deleted). */
export interface HealthMessage {
  /** The model's id in the chains. */
  readonly modelId: string;
  /** Its new record; `null` for healthy. */
  readonly record: StoredRecord | null;
  /** The process that made the change. */
  readonly from: string;
}

/**
 * Latencies another process shared (`RedisHealthStore.shareLatency`): a
 * message without `record`, which releases that predate it drop as not
 * theirs.
 */
export interface LatencyMessage {
  /** The model's id in the chains. */
  readonly modelId: string;
  /** Its latencies, as the sending process learned them. */
  readonly latency: SharedLatency;
  /** The process that shared them. */
  readonly from: string;
}

/** The JSON published for shared latencies. */
export function encodeLatencyMessage(message: LatencyMessage): string {
  return JSON.stringify(message);
}

/** Longest model id taken from a message; chain ids are short, and a longer one is not ours. */
const maxModelIdLength = 1_000;

/** The JSON published for a change. */
export function encodeMessage(message: HealthMessage): string {
  return JSON.stringify(message);
}

/**
 * The change a published payload announces, or `undefined` when it is not
 * one. Anyone who can reach the server can publish on the channel, so a
 * message is checked like a key: its record is repaired or, when it is not a
 * record at all, the whole message is dropped rather than read as "healthy".
 */
export function decodeMessage(payload: string, limits: RecordLimits): HealthMessage | LatencyMessage | undefined {
  let fields: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(payload);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    fields = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { modelId, from } = fields;
  if (typeof modelId !== "string" || modelId.length === 0 || modelId.length > maxModelIdLength) return undefined;
  if (typeof from !== "string") return undefined;
  if (fields.record === undefined && fields.latency !== undefined) {
    const latency = sharedLatencyFrom(fields.latency);
    return latency ? { modelId, from, latency } : undefined;
  }
  if (fields.record === null) return { modelId, from, record: null };
  const { record } = inspectRecord(fields.record, limits);
  return record ? { modelId, from, record } : undefined;
}
