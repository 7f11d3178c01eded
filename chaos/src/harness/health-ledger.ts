import { type HealthStore, healthyRecord, InMemoryHealthStore, type ModelHealthRecord } from "@understudy/core/health-store";
import { currentTag, nextSeq } from "./call-context.ts";

/** A change to a model's health, and the call that made it. */
export interface HealthChange {
  readonly modelId: string;
  readonly before: ModelHealthRecord;
  readonly after: ModelHealthRecord;
  /** `write`, or `probe` for a granted probe lease. */
  readonly via: "write" | "probe";
  readonly tag: number | undefined;
  readonly seq: number;
  readonly time: number;
}

/**
 * An in-memory health store that remembers every change and the observed call
 * that made it, so that a change can be checked against that call's failures:
 * a caller's abort or `break` must never open a breaker or start a cooldown.
 * `asyncProbe` grants probes a tick later, as a shared store does.
 */
export class HealthLedger implements HealthStore {
  readonly changes: HealthChange[] = [];
  private readonly byTag = new Map<number | undefined, HealthChange[]>();
  private readonly inner = new InMemoryHealthStore();
  private readonly asyncProbe: boolean;
  private readonly keep: boolean;

  /** `keep: false` keeps changes only until {@link HealthLedger.take} takes them (a long soak). */
  constructor(options: { asyncProbe?: boolean; keep?: boolean } = {}) {
    this.asyncProbe = options.asyncProbe ?? false;
    this.keep = options.keep ?? true;
  }

  read(modelId: string): ModelHealthRecord | undefined {
    return this.inner.read(modelId);
  }

  write(modelId: string, record: ModelHealthRecord): void {
    const before = this.inner.read(modelId) ?? healthyRecord;
    this.inner.write(modelId, record);
    this.note(modelId, before, record, "write");
  }

  acquireProbe(modelId: string, now: number, leaseMs: number): boolean | Promise<boolean> {
    const grant = (): boolean => {
      const before = this.inner.read(modelId) ?? healthyRecord;
      const granted = this.inner.acquireProbe(modelId, now, leaseMs);
      if (granted) this.note(modelId, before, this.inner.read(modelId) ?? healthyRecord, "probe");
      return granted;
    };
    if (!this.asyncProbe) return grant();
    return Promise.resolve().then(grant);
  }

  /** The changes made by one call. */
  of(tag: number): HealthChange[] {
    return [...(this.byTag.get(tag) ?? [])];
  }

  /** The changes made by one call, forgotten here. */
  take(tag: number): HealthChange[] {
    const changes = this.byTag.get(tag) ?? [];
    this.byTag.delete(tag);
    return changes;
  }

  private note(modelId: string, before: ModelHealthRecord, after: ModelHealthRecord, via: HealthChange["via"]): void {
    const change = { modelId, before, after, via, tag: currentTag(), seq: nextSeq(), time: Date.now() };
    if (this.keep) this.changes.push(change);
    const list = this.byTag.get(change.tag);
    if (list) list.push(change);
    else this.byTag.set(change.tag, [change]);
  }
}

/**
 * Whether a change hurts the model: it opens the breaker for a while, or
 * starts or lengthens a cooldown. (Handing a probe back — open again with
 * `reopenAt` now — is not harm.)
 */
export function harms(change: HealthChange): boolean {
  const { before, after, time } = change;
  const opened =
    after.breaker === "open" && after.reopenAt > time && !(before.breaker === "open" && after.reopenAt <= before.reopenAt);
  const cooled = after.cooldownUntil > Math.max(before.cooldownUntil, time);
  return change.via === "write" && (opened || cooled);
}
