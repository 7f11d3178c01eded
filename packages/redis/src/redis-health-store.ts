import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import {
  type HealthStore,
  type HealthStoreEvent,
  healthyRecord,
  type ModelHealthRecord,
  type SharedLatency,
  sharedLatencyFrom,
  takeProbe,
} from "@understudy/core/health-store";
import { Redis, type RedisOptions } from "ioredis";
import {
  decodeRecord,
  encodeRecord,
  inspectJson,
  isHealthy,
  lastInstantOf,
  type RecordLimits,
  recordFrom,
  type StoredRecord,
} from "./health-codec.ts";
import { decodeMessage, encodeLatencyMessage, encodeMessage } from "./health-message.ts";
import { acquireProbeScript, releaseProbeScript, shareLatencyScript, writeRecordScript } from "./health-scripts.ts";
import { connectionSecrets, describeFailure } from "./redis-failure.ts";
import { resolveSettings, type StoreSettings } from "./store-settings.ts";

/** How long shared latencies stay for a starting process to read: an hour of a fleet's traffic. */
const latencyTtlMs = 3_600_000;

/** Options of {@link RedisHealthStore}. */
export interface RedisHealthStoreOptions {
  /** The server, as a URL (`redis://user:password@host:6379/0`) or ioredis options. */
  readonly redis: string | RedisOptions;
  /** Prefix of every key and of the channel; one per application sharing the server. Default `understudy`. */
  readonly keyPrefix?: string;
  /**
   * Longest wait for Redis when taking a probe lease, the one round trip on a
   * request's path, in ms. Past it the lease is taken on local health (and a
   * lease Redis grants later, unused, is handed back). Default 150.
   */
  readonly probeTimeoutMs?: number;
  /**
   * Interval of the background refresh that re-reads every known record, a
   * safety net for a missed message, in ms; while sharing is degraded, each
   * refresh also tries to restore it. Default 5000.
   */
  readonly refreshMs?: number;
  /** How much longer the process that opened a breaker leaves its probe to the others, in ms. Default 1000. */
  readonly probeGraceMs?: number;
  /** How long a record lives past its last instant that matters (reopen, lease, cooldown end), in ms. Default 60 000. */
  readonly recordTtlMarginMs?: number;
  /** How long an isolated model stays isolated without a reset, in ms. Default 24 h. */
  readonly isolatedTtlMs?: number;
  /**
   * The furthest in the future a time in a record may lie, in ms: a later
   * `reopenAt`, lease end or cooldown end read from Redis (or written) is
   * clamped to now plus this, so a bogus record cannot bench a model for
   * longer. Keys never get a TTL past `max(isolatedTtlMs, maxRecordHorizonMs
   * + recordTtlMarginMs)`. Default `isolatedTtlMs` (24 h).
   */
  readonly maxRecordHorizonMs?: number;
  /** This process's name in records and messages. Default `hostname:pid:random`. */
  readonly processId?: string;
}

/** What Redis answered to a probe request. */
interface ProbeReply {
  readonly taken: boolean;
  readonly record: StoredRecord | undefined;
}

/** How a wait for Redis ended: its answer, its failure, or the caller's patience. */
type Bounded<T> =
  | { readonly type: "answer"; readonly value: T }
  | { readonly type: "failed"; readonly error: unknown }
  | { readonly type: "late" };

type Listener = (event: HealthStoreEvent) => void;

/** Longest model id taken from the shared set of ids; chain ids are short, and a longer one is not ours. */
const maxModelIdLength = 1_000;

/**
 * Model health shared across processes through Redis. Reads come from a local
 * view at once and never wait on the network; writes update the view and go
 * to Redis in the background; changes reach the other processes by pub/sub
 * (and a periodic refresh). Only taking a half-open probe lease asks Redis on
 * the request's path, bounded by `probeTimeoutMs`. When Redis is unreachable
 * or refuses a command, the store works on local health and reports
 * `degraded`; it reports `restored` once a refresh gets through again.
 * Everything read from Redis is checked first: a record is repaired (times
 * rounded, clamped to `maxRecordHorizonMs`) or dropped, never trusted.
 *
 * @example
 * ```ts
 * const healthStore = new RedisHealthStore({ redis: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", keyPrefix: "my-app" });
 * const chat = createFallback({ models, healthStore });
 * chat.on("healthStore", (event) => event.type === "degraded" && console.warn(event.message));
 * ```
 */
export class RedisHealthStore implements HealthStore {
  /** This process's name in records and messages. */
  readonly processId: string;
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly keyPrefix: string;
  private readonly settings: StoreSettings;
  private readonly secrets: readonly string[];
  private readonly view = new Map<string, StoredRecord>();
  private readonly known = new Set<string>();
  private readonly listeners = new Set<Listener>();
  private readonly refreshTimer: NodeJS.Timeout;
  private degraded = false;
  private closed = false;
  private syncsRunning = 0;
  private readonly firstReady: Promise<void>;

  /**
   * @param options - the server, the key prefix and the timings
   * @throws ConfigError (from `@understudy/core`) when a timing is not a number of ms in its range
   */
  constructor(options: RedisHealthStoreOptions) {
    this.settings = resolveSettings(options);
    this.processId = options.processId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.keyPrefix = options.keyPrefix ?? "understudy";
    this.channel = `${this.keyPrefix}:health`;
    this.secrets = connectionSecrets(options.redis);
    // No offline queue: while Redis is away a command fails at once, and the store carries on locally.
    const connection: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(times * 100, 1_000),
      // ioredis arms this timer on every disconnect and clears it only when the
      // socket closes, which a socket already dead (Redis away) never does again.
      disconnectTimeout: 200,
    };
    this.commands =
      typeof options.redis === "string" ? new Redis(options.redis, connection) : new Redis({ ...options.redis, ...connection });
    this.subscriber = this.commands.duplicate({ enableOfflineQueue: true });
    this.firstReady = this.watchConnections();
    this.refreshTimer = setInterval(() => this.tick(), this.settings.refreshMs).unref();
  }

  /** Resolves once the store has reached Redis, or found it unreachable and gone local. */
  ready(): Promise<void> {
    return this.firstReady;
  }

  /** @inheritDoc */
  read(modelId: string): ModelHealthRecord | undefined {
    this.known.add(modelId);
    return this.view.get(modelId);
  }

  /**
   * Replaces the record of a model. Times are rounded up to whole ms and
   * clamped to `maxRecordHorizonMs`, here as in every process that reads the
   * record; a record with a time that is not a finite number ≥ 0 stays in
   * this process and is not shared.
   */
  write(modelId: string, record: ModelHealthRecord): void {
    this.known.add(modelId);
    const stored = this.storedFrom(record, this.view.get(modelId));
    this.view.set(modelId, stored ?? record);
    if (stored) void this.send(modelId, stored);
  }

  /** @inheritDoc */
  async acquireProbe(modelId: string, now: number, leaseMs: number): Promise<boolean> {
    const at = Number.isFinite(now) ? Math.ceil(now) : Date.now();
    // A lease past the horizon would be clamped by the next reader, and then no longer be the one granted.
    const lease = Number.isFinite(leaseMs) ? Math.min(Math.max(Math.ceil(leaseMs), 0), this.settings.maxRecordHorizonMs) : 0;
    if (this.degraded) return this.acquireLocally(modelId, at, lease);
    const asked = this.askProbe(modelId, at, lease);
    const answer = await within(asked, this.settings.probeTimeoutMs);
    if (answer.type === "answer") {
      if (answer.value.record) this.view.set(modelId, answer.value.record);
      else this.view.delete(modelId);
      return answer.value.taken;
    }
    if (answer.type === "failed") this.fail(answer.error);
    const taken = this.acquireLocally(modelId, at, lease);
    if (answer.type === "late") {
      asked.then(
        (reply) => this.settleLateGrant(modelId, reply, taken, at + lease),
        (error: unknown) => this.fail(error),
      );
    }
    return taken;
  }

  /**
   * Shares a model's learned latencies: kept under their own key for an
   * hour (what a starting process reads) and announced to the others. In
   * the background; while Redis is away, nothing is shared.
   */
  shareLatency(modelId: string, latency: SharedLatency): void {
    if (this.degraded || this.closed) return;
    const message = encodeLatencyMessage({ modelId, latency, from: this.processId });
    this.commands
      .eval(shareLatencyScript, 1, this.latencyKeyOf(modelId), JSON.stringify(latency), latencyTtlMs, this.channel, message)
      // Sharing latencies is an optimisation: a refused write (an ACL on the latency keys) must not
      // take health sharing down with it; a Redis that is away shows in the health commands.
      .catch(() => {});
  }

  /** The latencies last shared for a model, checked; `undefined` when none are, or Redis does not answer in time. */
  async readLatency(modelId: string): Promise<SharedLatency | undefined> {
    if (this.degraded || this.closed) return undefined;
    const answer = await within(this.commands.get(this.latencyKeyOf(modelId)), this.settings.probeTimeoutMs);
    if (answer.type !== "answer" || answer.value === null) return undefined;
    try {
      return sharedLatencyFrom(JSON.parse(answer.value));
    } catch {
      return undefined;
    }
  }

  /** @inheritDoc */
  subscribe(listener: (event: HealthStoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the refresh and closes both connections. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.refreshTimer);
    await Promise.all([quit(this.commands), quit(this.subscriber)]);
  }

  private keyOf(modelId: string): string {
    return `${this.keyPrefix}:health:${modelId}`;
  }

  private latencyKeyOf(modelId: string): string {
    return `${this.keyPrefix}:latency:${modelId}`;
  }

  private get modelSetKey(): string {
    return `${this.keyPrefix}:models`;
  }

  private limits(now = Date.now()): RecordLimits {
    return { now, horizonMs: this.settings.maxRecordHorizonMs };
  }

  /**
   * The record to store for what the engine wrote: checked like a record
   * read from Redis, with the process that opened the breaker (this one,
   * when this write opens it) and the probe's holder (kept while the same
   * lease stands).
   */
  private storedFrom(record: ModelHealthRecord, previous: StoredRecord | undefined): StoredRecord | undefined {
    const clean = recordFrom({ ...record, openedBy: undefined, probeBy: undefined }, this.limits());
    if (!clean) return undefined;
    const opened = clean.breaker === "open" && (previous?.breaker !== "open" || previous.reopenAt !== clean.reopenAt);
    const openedBy = opened ? this.processId : previous?.openedBy;
    const sameLease =
      clean.breaker === "half_open" && previous?.breaker === "half_open" && previous.probeLeaseUntil === clean.probeLeaseUntil;
    const probeBy = sameLease ? previous.probeBy : undefined;
    return { ...clean, ...(openedBy !== undefined && { openedBy }), ...(probeBy !== undefined && { probeBy }) };
  }

  /** A record's lifetime in Redis: 0 (delete) for a healthy one; past its last relevant instant otherwise, capped. */
  private ttlOf(record: ModelHealthRecord, now: number): number {
    if (record.breaker === "isolated") return this.settings.isolatedTtlMs;
    if (isHealthy(record, now)) return 0;
    const ttl = Math.ceil(lastInstantOf(record, now) - now + this.settings.recordTtlMarginMs);
    return Math.max(1, Math.min(ttl, this.settings.maxTtlMs));
  }

  /** The Redis half of a write: in the background, its failure reported as `degraded`. */
  private async send(modelId: string, record: StoredRecord): Promise<void> {
    if (this.degraded) return;
    try {
      await this.put(modelId, record);
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Stores (or, for a healthy or absent record, deletes) a model's record
   * and announces it. With `expected`, only if the key still holds exactly
   * that. Resolves whether it wrote; rejects when Redis fails.
   */
  private async put(modelId: string, record: StoredRecord | undefined, expected?: string): Promise<boolean> {
    const ttl = record ? this.ttlOf(record, Date.now()) : 0;
    const message = encodeMessage({ modelId, record: record ?? null, from: this.processId });
    const args = [record ? encodeRecord(record) : "", ttl, this.channel, message, modelId, this.settings.maxTtlMs];
    const written = await this.commands.eval(
      writeRecordScript,
      2,
      this.keyOf(modelId),
      this.modelSetKey,
      ...args,
      ...(expected === undefined ? [] : [expected]),
    );
    return written === 1;
  }

  /** Runs the probe script: one atomic compare-and-set in Redis. Rejects when Redis fails. */
  private async askProbe(modelId: string, now: number, leaseMs: number): Promise<ProbeReply> {
    const { maxRecordHorizonMs, probeGraceMs, recordTtlMarginMs, isolatedTtlMs, maxTtlMs } = this.settings;
    const reply = await this.commands.eval(
      acquireProbeScript,
      2,
      this.keyOf(modelId),
      this.modelSetKey,
      now,
      leaseMs,
      this.processId,
      probeGraceMs,
      this.channel,
      modelId,
      now + maxRecordHorizonMs,
      recordTtlMarginMs,
      isolatedTtlMs,
      maxTtlMs,
    );
    return this.probeReplyFrom(reply);
  }

  /** A script's `{taken, record}` reply, checked like everything else read from Redis. */
  private probeReplyFrom(reply: unknown): ProbeReply {
    const [taken, json] = Array.isArray(reply) ? (reply as unknown[]) : [];
    return { taken: taken === 1, record: decodeRecord(typeof json === "string" ? json : undefined, this.limits()) };
  }

  /**
   * A probe answer that came after the caller stopped waiting. A lease
   * nobody uses would keep every process off the recovered model until it
   * ran out (twice its attempt timeout), so it is handed back at once,
   * unless this process took the probe on its local view meanwhile: then
   * the lease is in use, and the probe's outcome settles the record.
   */
  private settleLateGrant(modelId: string, reply: ProbeReply, probingLocally: boolean, leaseUntil: number): void {
    if (!reply.taken || probingLocally || this.closed) return;
    void this.releaseProbe(modelId, leaseUntil);
  }

  private async releaseProbe(modelId: string, leaseUntil: number): Promise<void> {
    const now = Date.now();
    const { maxRecordHorizonMs, recordTtlMarginMs, isolatedTtlMs, maxTtlMs } = this.settings;
    try {
      const reply = await this.commands.eval(
        releaseProbeScript,
        1,
        this.keyOf(modelId),
        this.processId,
        leaseUntil,
        this.channel,
        modelId,
        now,
        now + maxRecordHorizonMs,
        recordTtlMarginMs,
        isolatedTtlMs,
        maxTtlMs,
      );
      const released = this.probeReplyFrom(reply);
      if (released.taken && released.record) this.apply(modelId, released.record);
    } catch (error) {
      this.fail(error);
    }
  }

  private acquireLocally(modelId: string, now: number, leaseMs: number): boolean {
    const previous = this.view.get(modelId);
    const leased = takeProbe(previous ?? healthyRecord, now, leaseMs);
    if (leased) this.view.set(modelId, { ...leased, probeBy: this.processId });
    return leased !== undefined;
  }

  private receive(payload: string): void {
    const message = decodeMessage(payload, this.limits());
    if (!message || message.from === this.processId) return;
    if ("latency" in message) this.emit({ type: "latency", modelId: message.modelId, latency: message.latency });
    else this.apply(message.modelId, message.record ?? undefined);
  }

  private apply(modelId: string, record: StoredRecord | undefined): void {
    const before = this.view.get(modelId);
    if (record) this.view.set(modelId, record);
    else this.view.delete(modelId);
    if (JSON.stringify(before) === JSON.stringify(record)) return;
    this.emit({ type: "change", modelId, record: record ?? healthyRecord });
  }

  /** The refresh timer: re-reads everything, and while degraded, tries to restore sharing. */
  private tick(): void {
    // A refresh still running (Redis slow) is not doubled up; a connection that
    // is not ready would only fail it, and its `ready` event syncs anyway.
    if (this.syncsRunning === 0 && this.commands.status === "ready") void this.sync();
  }

  /**
   * One round trip of reads and write-backs. Whatever degraded the store —
   * a lost connection or a command Redis refused — sharing is restored as
   * soon as one gets through, and reported `restored`.
   */
  private async sync(): Promise<void> {
    if (this.closed) return;
    this.syncsRunning++;
    try {
      await this.reconcile();
      if (this.degraded && !this.closed) {
        this.degraded = false;
        this.emit({ type: "restored" });
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.syncsRunning--;
    }
  }

  /**
   * Re-reads the record of every model this process or Redis knows of. What
   * Redis holds wins, once checked: a repaired record is written back, a key
   * that holds no record is replaced or deleted (both only if nobody changed
   * it meanwhile). A record Redis lacks although it should still live
   * (written while Redis was away, or lost with it) is written back, so
   * sharing resumes where it stopped. Rejects when Redis fails.
   */
  private async reconcile(): Promise<void> {
    for (const id of await this.commands.smembers(this.modelSetKey)) if (id && id.length <= maxModelIdLength) this.known.add(id);
    const ids = [...this.known];
    if (ids.length === 0) return;
    const values = await this.commands.mget(ids.map((id) => this.keyOf(id)));
    const limits = this.limits();
    await Promise.all(ids.map((id, index) => this.reconcileOne(id, values[index] ?? null, limits)));
  }

  private async reconcileOne(modelId: string, raw: string | null, limits: RecordLimits): Promise<void> {
    // The local record is checked too: one the engine wrote with a broken time was never shared, and is not now.
    const local = recordFrom(this.view.get(modelId), limits);
    const keep = local && !isHealthy(local, limits.now) && this.stillLives(local, limits.now) ? local : undefined;
    if (raw === null) {
      if (keep) await this.put(modelId, keep);
      else this.apply(modelId, undefined);
      return;
    }
    const inspection = inspectJson(raw, limits);
    if (inspection.verdict !== "invalid") {
      this.apply(modelId, inspection.record);
      if (inspection.verdict === "repaired") await this.put(modelId, inspection.record, raw);
    } else if (keep) {
      await this.put(modelId, keep, raw);
    } else {
      this.apply(modelId, undefined);
      await this.put(modelId, undefined, raw);
    }
  }

  /**
   * Whether a record's key should still be in Redis: it lives until its last
   * instant plus the margin. One past that expired on purpose (failures age
   * out even if nobody probes), and is not brought back.
   */
  private stillLives(record: StoredRecord, now: number): boolean {
    return record.breaker === "isolated" || now < lastInstantOf(record, 0) + this.settings.recordTtlMarginMs;
  }

  /** A failed command or connection: sharing stops until a refresh gets through again. */
  private fail(error: unknown): void {
    if (this.degraded || this.closed) return;
    this.degraded = true;
    this.emit({ type: "degraded", message: describeFailure(error, this.secrets) });
  }

  private async watchConnections(): Promise<void> {
    this.commands.on("error", (error: unknown) => this.fail(error));
    this.subscriber.on("error", () => {});
    this.commands.on("close", () => this.fail(new Error("connection closed")));
    this.commands.on("ready", () => void this.sync());
    this.subscriber.on("message", (_channel: string, payload: string) => this.receive(payload));
    // Ready means subscribed too: a change published before that would be missed.
    const subscribed = this.subscriber.subscribe(this.channel).catch(() => {});
    const connected = new Promise<void>((resolve) => {
      this.commands.once("ready", () => resolve());
      this.commands.once("error", () => resolve());
    });
    await connected;
    if (!this.degraded) await subscribed;
  }

  private emit(event: HealthStoreEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/** Waits for `promise` at most `ms`; never rejects. */
function within<T>(promise: Promise<T>, ms: number): Promise<Bounded<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Bounded<T>>((resolve) => {
    timer = setTimeout(() => resolve({ type: "late" }), ms);
  });
  const settled = promise.then(
    (value): Bounded<T> => ({ type: "answer", value }),
    (error: unknown): Bounded<T> => ({ type: "failed", error }),
  );
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Closes a connection and resolves once its socket is gone. Only a ready
 * connection can QUIT; one that is reconnecting (Redis away) is cut, and
 * nothing here waits on a server that may never answer.
 */
async function quit(connection: Redis): Promise<void> {
  // A function, not a narrowed property: the status changes under our feet.
  const ended = (): boolean => connection.status === "end";
  if (ended()) return;
  const end = new Promise<void>((resolve) => connection.once("end", () => resolve()));
  if (connection.status === "ready")
    await withTimeout(
      connection.quit().catch(() => "cut"),
      500,
    );
  if (!ended()) connection.disconnect();
  await withTimeout(end, 1_000);
}
