import { CircuitState, type IBreaker } from "cockatiel";
import { type HalfOpenInterval, halfOpenIntervalMs } from "../config/model-settings.ts";
import type { ModelErrorKind } from "../errors/model-error.ts";
import { type BreakerState, type HealthStore, healthyRecord, type ModelHealthRecord } from "./health-store.ts";
import { ProbeLease } from "./probe-lease.ts";

/** Why a model was passed over without a call for its health. */
export type HealthSkipReason = "open" | "half_open_probe_in_flight" | "isolated" | "cooldown";

/** Whether a model may be called now, and if so whether the call is the half-open probe. */
export type Availability =
  | { readonly available: true; readonly probe: boolean }
  | { readonly available: false; readonly reason: HealthSkipReason; readonly until: number };

/** A breaker state change, reported to the engine's events. */
export interface BreakerTransition {
  /** The new state. */
  readonly state: "open" | "half_open" | "closed";
  /** The model. */
  readonly model: string;
  /** The request whose outcome caused it. */
  readonly requestId: string;
  /** With `open`: the failure that opened it. */
  readonly reason?: ModelErrorKind;
  /** With `open`: epoch ms from which a probe may go. */
  readonly reopenAt?: number;
}

/** Settings of one model's breaker and cooldowns. */
export interface ModelHealthSettings {
  /** Makes the failure counter, or `undefined` when the breaker is off. */
  readonly counter: (() => IBreaker) | undefined;
  /** How long the breaker stays open before a probe: fixed, or growing with each failed probe. */
  readonly halfOpenAfter: HalfOpenInterval;
  /** How long a probe may hold the model before another caller may probe, in ms. */
  readonly probeLeaseMs: number;
}

/** A read-only view of a model's health, as `Fallback.health()` reports it. */
export interface ModelHealthSnapshot {
  /** The model's id in the chain. */
  readonly id: string;
  /** Breaker state. */
  readonly breaker: BreakerState;
  /** With an open breaker: epoch ms from which a probe may go. */
  readonly reopenAt: number | undefined;
  /** Epoch ms until which the model is cooling down, if it is. */
  readonly cooldownUntil: number | undefined;
  /** Why it is cooling down. */
  readonly cooldownReason: ModelErrorKind | undefined;
  /** Failures that counted against health in the last minute, in this process. */
  readonly recentFailures: number;
}

const recentWindowMs = 60_000;

/**
 * One model's circuit breaker and cooldown. Failures are counted by a
 * cockatiel `IBreaker` (consecutive, sampling or your own); the state machine
 * is ours, because cockatiel's makes half-open callers wait for the probe
 * (ours skip), closes on a probe that ended by abort (ours stays open), and
 * keeps its state private (ours lives in a {@link HealthStore} another process
 * can share).
 */
export class ModelHealth {
  /** The model's id in the chain. */
  readonly id: string;
  private readonly settings: ModelHealthSettings;
  private readonly store: HealthStore;
  private readonly onTransition: (transition: BreakerTransition) => void;
  private counter: IBreaker | undefined;
  private recentFailureTimes: number[] = [];
  /** The breaker was seen away from `closed` since the counter was last made fresh. */
  private seenNotClosed = false;

  /**
   * @param id - the model's id in the chain
   * @param settings - breaker settings
   * @param store - where the shared record lives
   * @param onTransition - told of every breaker state change
   */
  constructor(
    id: string,
    settings: ModelHealthSettings,
    store: HealthStore,
    onTransition: (transition: BreakerTransition) => void,
  ) {
    this.id = id;
    this.settings = settings;
    this.store = store;
    this.onTransition = onTransition;
    this.counter = settings.counter?.();
  }

  private get record(): ModelHealthRecord {
    const record = this.store.read(this.id) ?? healthyRecord;
    this.observe(record);
    return record;
  }

  /**
   * Notes the model's record as read or as announced by a shared store. A
   * breaker that closed since the counter last counted — here, or in another
   * process — starts counting from zero: failures counted before it opened
   * say nothing about the model that recovered, and would re-open it for the
   * whole fleet at the first new failure.
   */
  observe(record: ModelHealthRecord): void {
    if (record.breaker !== "closed") this.seenNotClosed = true;
    else if (this.seenNotClosed) {
      this.seenNotClosed = false;
      this.counter = this.settings.counter?.();
    }
  }

  /** Whether the model may be called at `now`. */
  check(now: number): Availability {
    const record = this.record;
    if (record.breaker === "isolated") return { available: false, reason: "isolated", until: Number.POSITIVE_INFINITY };
    if (record.cooldownUntil > now) return { available: false, reason: "cooldown", until: record.cooldownUntil };
    if (record.breaker === "closed") return { available: true, probe: false };
    if (record.breaker === "open" && now < record.reopenAt) return { available: false, reason: "open", until: record.reopenAt };
    if (record.breaker === "half_open" && now < record.probeLeaseUntil)
      return { available: false, reason: "half_open_probe_in_flight", until: record.probeLeaseUntil };
    return { available: true, probe: true };
  }

  /**
   * Takes the half-open probe for a request: a lease its holder must settle
   * (through a `record…` call) or release; `undefined` when another caller
   * took it first.
   */
  async beginProbe(now: number, requestId: string): Promise<ProbeLease | undefined> {
    const acquired = await this.store.acquireProbe(this.id, now, this.settings.probeLeaseMs);
    if (!acquired) return undefined;
    this.onTransition({ state: "half_open", model: this.id, requestId });
    return new ProbeLease(() => this.handBackProbe(Date.now()));
  }

  /** Records a call that succeeded; `lease` is the probe it was, if any. */
  recordSuccess(lease: ProbeLease | undefined, requestId: string): void {
    const probe = lease?.settle() ?? false;
    const record = this.record;
    if (probe && record.breaker === "half_open") {
      this.counter?.success(CircuitState.HalfOpen);
      // The outage is over: the next one starts at the shortest interval again.
      const { probeFailures: _, ...rest } = record;
      this.store.write(this.id, { ...rest, breaker: "closed", reopenAt: 0, probeLeaseUntil: 0 });
      this.onTransition({ state: "closed", model: this.id, requestId });
    } else if (record.breaker === "closed") {
      this.counter?.success(CircuitState.Closed);
    }
  }

  /** Records a failure that counts against health (see `countsAgainstHealth`). */
  recordFailure(lease: ProbeLease | undefined, kind: ModelErrorKind, now: number, requestId: string): void {
    const probe = lease?.settle() ?? false;
    this.noteRecentFailure(now);
    const record = this.record;
    if (probe && record.breaker === "half_open") {
      this.counter?.failure(CircuitState.HalfOpen);
      this.open(record, probeFailuresOf(record) + 1, kind, now, requestId);
    } else if (record.breaker === "closed" && this.counter?.failure(CircuitState.Closed)) {
      this.open(record, 0, kind, now, requestId);
    }
  }

  /**
   * Records a call that says nothing about health (aborted, a request fault).
   * A probe ending so hands the probe back: the model stays open and the next
   * caller may probe at once.
   */
  recordNeutral(lease: ProbeLease | undefined, now: number): void {
    if (lease?.settle()) this.handBackProbe(now);
  }

  private handBackProbe(now: number): void {
    const record = this.record;
    if (record.breaker === "half_open") {
      this.store.write(this.id, { ...record, breaker: "open", reopenAt: now, probeLeaseUntil: 0 });
    }
  }

  /** Skips the model without calls until `until` (epoch ms); an earlier end never shortens a cooldown. */
  coolDown(until: number, reason: ModelErrorKind): void {
    const record = this.record;
    if (until <= record.cooldownUntil) return;
    this.store.write(this.id, { ...record, cooldownUntil: until, cooldownReason: reason });
  }

  /** Holds the model open until {@link ModelHealth.reset}. */
  isolate(): void {
    this.store.write(this.id, { ...this.record, breaker: "isolated" });
  }

  /** Forgets everything: closed, no cooldown, counters fresh. */
  reset(): void {
    this.counter = this.settings.counter?.();
    this.seenNotClosed = false;
    this.recentFailureTimes = [];
    this.store.write(this.id, healthyRecord);
  }

  /** The model's health as reported to operators. */
  snapshot(now: number): ModelHealthSnapshot {
    const record = this.record;
    this.pruneRecentFailures(now);
    return {
      id: this.id,
      breaker: record.breaker,
      reopenAt: record.breaker === "open" ? record.reopenAt : undefined,
      cooldownUntil: record.cooldownUntil > now ? record.cooldownUntil : undefined,
      cooldownReason: record.cooldownUntil > now ? record.cooldownReason : undefined,
      recentFailures: this.recentFailureTimes.length,
    };
  }

  /**
   * Opens the breaker for the interval that `probeFailures` failed probes in
   * a row call for: the shortest when it opens from closed (0), longer after
   * each failed probe. The count lives in the record, so with a shared store
   * one replica's failed probe backs off every replica's next one.
   */
  private open(record: ModelHealthRecord, probeFailures: number, reason: ModelErrorKind, now: number, requestId: string): void {
    const reopenAt = now + halfOpenIntervalMs(this.settings.halfOpenAfter, probeFailures);
    const { probeFailures: _, ...rest } = record;
    this.store.write(this.id, {
      ...rest,
      breaker: "open",
      reopenAt,
      probeLeaseUntil: 0,
      ...(probeFailures > 0 && { probeFailures }),
    });
    this.onTransition({ state: "open", model: this.id, requestId, reason, reopenAt });
  }

  private noteRecentFailure(now: number): void {
    this.pruneRecentFailures(now);
    this.recentFailureTimes.push(now);
  }

  private pruneRecentFailures(now: number): void {
    const cutoff = now - recentWindowMs;
    while (this.recentFailureTimes.length > 0 && (this.recentFailureTimes[0] ?? 0) <= cutoff) {
      this.recentFailureTimes.shift();
    }
  }
}

/** A record's run of failed probes; a count that is not a whole number ≥ 0 (a store's bug) counts as none. */
function probeFailuresOf(record: ModelHealthRecord): number {
  const count = record.probeFailures;
  return count !== undefined && Number.isSafeInteger(count) && count > 0 ? count : 0;
}
