import type { ModelErrorKind } from "../errors/model-error.ts";
import type { SharedLatency } from "./latency-tracker.ts";

/**
 * A model's breaker state: `closed` (calls flow), `open` (skipped until
 * `reopenAt`), `half_open` (one probe in flight; others skip), `isolated`
 * (held open by an operator until reset).
 */
export type BreakerState = "closed" | "open" | "half_open" | "isolated";

/** The health of one model, as shared between the requests (and, with a shared store, processes) that use it. */
export interface ModelHealthRecord {
  /** Breaker state. */
  readonly breaker: BreakerState;
  /** With `open`: epoch ms from which one probe may go through. */
  readonly reopenAt: number;
  /** With `half_open`: epoch ms when the probe's lease ends (a crashed prober does not block the model forever). */
  readonly probeLeaseUntil: number;
  /** Epoch ms until which the model is skipped without a call (a long Retry-After, a quota failure); 0 for none. */
  readonly cooldownUntil: number;
  /** The failure that started the cooldown. */
  readonly cooldownReason: ModelErrorKind | undefined;
  /**
   * A summary of how fast the model has been answering, for stores and
   * tools that show one. The engine does not read it: learned latencies
   * travel through {@link HealthStore.shareLatency}, since a healthy
   * model's record is not kept.
   */
  readonly latency?: LatencyEstimate;
  /**
   * Half-open probes that failed in a row since the breaker last closed: the
   * longer the run, the longer the breaker stays open before the next probe
   * (an adaptive `halfOpenAfterMs`). Absent means 0, as in records written
   * before it existed.
   */
  readonly probeFailures?: number;
}

/** A model's recent speed, as estimated from its attempts. */
export interface LatencyEstimate {
  /** Typical ms from a call's start to its first content (the median). */
  readonly firstContentP50Ms: number;
  /** Slow-tail ms to first content (the 95th percentile). */
  readonly firstContentP95Ms: number;
  /** How many attempts the estimate rests on. */
  readonly samples: number;
  /** Epoch ms of the last update. */
  readonly updatedAt: number;
}

/**
 * The version of a record's stored form, for stores that serialise it
 * (`format` in the stored JSON). The rule that lets replicas roll one at a
 * time: a new version only adds optional fields, and every reader ignores
 * fields it does not know, so a record this release writes is read by the
 * previous one, and the other way round. Version 1 added `latency` (a record
 * without `format` is version 0, read the same way); version 2 added
 * `probeFailures` (a record without it has none).
 */
export const healthRecordFormat = 2;

/** The health of a model nobody has reported on. */
export const healthyRecord: ModelHealthRecord = Object.freeze({
  breaker: "closed",
  reopenAt: 0,
  probeLeaseUntil: 0,
  cooldownUntil: 0,
  cooldownReason: undefined,
});

/**
 * Where model health lives. The engine reads it on every request, so `read`
 * must answer from a local view at once; a shared implementation keeps that
 * view fresh in the background and writes through asynchronously.
 *
 * The in-memory default ({@link InMemoryHealthStore}) serves one process.
 */
export interface HealthStore {
  /** The current record of a model, or `undefined` when nothing is known (healthy). */
  read(modelId: string): ModelHealthRecord | undefined;
  /** Replaces the record of a model. */
  write(modelId: string, record: ModelHealthRecord): void;
  /**
   * Atomically turns an `open` model whose `reopenAt` has passed (or a
   * `half_open` one whose probe lease ran out) into `half_open` with a lease
   * for the caller. Resolves false when another caller holds the probe.
   * The one place a store may take a network round trip.
   */
  acquireProbe(modelId: string, now: number, leaseMs: number): boolean | Promise<boolean>;
  /**
   * Optional, for shared stores: tells the listener of records changed by
   * other processes and of the store losing or regaining its backend.
   * Returns a function that removes the listener.
   */
  subscribe?(listener: (event: HealthStoreEvent) => void): () => void;
  /**
   * Optional, for shared stores: passes this process's learned latencies of
   * a model (learned first-token timers, learned hedge delays) on to the
   * other processes, as a `latency` event of their `subscribe`. Called every
   * few dozen calls to the model, never on a request's path: it must not
   * throw, and does its work in the background. Kept apart from the
   * record, which a healthy model does not keep.
   */
  shareLatency?(modelId: string, latency: SharedLatency): void;
  /**
   * Optional, for shared stores: the latencies other processes last shared
   * for a model, so that a process that starts learns from the fleet's
   * traffic at once. Read once per model when a chain is built.
   */
  readLatency?(modelId: string): Promise<SharedLatency | undefined>;
}

/**
 * What a shared {@link HealthStore} reports: `change` — another process
 * changed a model's record (the local view already holds it); `degraded` —
 * the backend is unreachable, health is local only until `restored`;
 * `latency` — another process shared what it learned of a model's latencies.
 */
export type HealthStoreEvent =
  | {
      /** Discriminator. */
      readonly type: "change";
      /** The model's id in the chain. */
      readonly modelId: string;
      /** Its new record. */
      readonly record: ModelHealthRecord;
    }
  | {
      /** Discriminator. */
      readonly type: "degraded";
      /** What failed, for people (never a password). */
      readonly message: string;
    }
  | {
      /** Discriminator. */
      readonly type: "restored";
    }
  | {
      /** Discriminator. */
      readonly type: "latency";
      /** The model's id in the chain. */
      readonly modelId: string;
      /** Its latencies as another process learned them. */
      readonly latency: SharedLatency;
    };

/** Model health held in this process only: the default store. */
export class InMemoryHealthStore implements HealthStore {
  private readonly records = new Map<string, ModelHealthRecord>();

  /** @inheritDoc */
  read(modelId: string): ModelHealthRecord | undefined {
    return this.records.get(modelId);
  }

  /** @inheritDoc */
  write(modelId: string, record: ModelHealthRecord): void {
    this.records.set(modelId, record);
  }

  /** @inheritDoc */
  acquireProbe(modelId: string, now: number, leaseMs: number): boolean {
    const leased = takeProbe(this.records.get(modelId) ?? healthyRecord, now, leaseMs);
    if (leased) this.records.set(modelId, leased);
    return leased !== undefined;
  }
}

/**
 * The rule of {@link HealthStore.acquireProbe} for one record: when the record
 * allows a probe at `now` (`open` past `reopenAt`, or `half_open` past its
 * lease), the record with the probe leased to the caller for `leaseMs`;
 * otherwise `undefined`. A store applies it atomically in its own backend, or
 * on its local view when the backend is away.
 */
export function takeProbe(record: ModelHealthRecord, now: number, leaseMs: number): ModelHealthRecord | undefined {
  const probeAllowed =
    (record.breaker === "open" && now >= record.reopenAt) || (record.breaker === "half_open" && now >= record.probeLeaseUntil);
  return probeAllowed ? { ...record, breaker: "half_open", probeLeaseUntil: now + leaseMs } : undefined;
}
