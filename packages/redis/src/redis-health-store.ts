import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type HealthStore, type HealthStoreEvent, healthyRecord, type ModelHealthRecord, takeProbe } from "@understudy/core";
import { Redis, type RedisOptions } from "ioredis";
import { decodeRecord, encodeRecord, isHealthy, recordFrom, type StoredRecord } from "./health-codec.ts";
import { acquireProbeScript, writeRecordScript } from "./health-scripts.ts";

/** Options of {@link RedisHealthStore}. */
export interface RedisHealthStoreOptions {
  /** The server, as a URL (`redis://user:password@host:6379/0`) or ioredis options. */
  readonly redis: string | RedisOptions;
  /** Prefix of every key and of the channel; one per application sharing the server. Default `understudy`. */
  readonly keyPrefix?: string;
  /**
   * Longest wait for Redis when taking a probe lease, the one round trip on a
   * request's path, in ms. Past it the lease is taken on local health. Default 150.
   */
  readonly probeTimeoutMs?: number;
  /**
   * Interval of the background refresh that re-reads every known record, a
   * safety net for a missed message, in ms. Default 5000.
   */
  readonly refreshMs?: number;
  /** How much longer the process that opened a breaker leaves its probe to the others, in ms. Default 1000. */
  readonly probeGraceMs?: number;
  /** How long a record lives past its last instant that matters (reopen, lease, cooldown end), in ms. Default 60 000. */
  readonly recordTtlMarginMs?: number;
  /** How long an isolated model stays isolated without a reset, in ms. Default 24 h. */
  readonly isolatedTtlMs?: number;
  /** This process's name in records and messages. Default `hostname:pid:random`. */
  readonly processId?: string;
}

/** A change announced on the channel. */
interface HealthMessage {
  readonly modelId: string;
  readonly record: StoredRecord | null;
  readonly from: string;
}

type Listener = (event: HealthStoreEvent) => void;

/**
 * Model health shared across processes through Redis. Reads come from a local
 * view at once and never wait on the network; writes update the view and go
 * to Redis in the background; changes reach the other processes by pub/sub
 * (and a periodic refresh). Only taking a half-open probe lease asks Redis on
 * the request's path, bounded by `probeTimeoutMs`. When Redis is unreachable,
 * the store works on local health and reports `degraded`, then `restored`.
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
  private readonly settings: Required<Omit<RedisHealthStoreOptions, "redis" | "keyPrefix" | "processId">>;
  private readonly view = new Map<string, StoredRecord>();
  private readonly known = new Set<string>();
  private readonly listeners = new Set<Listener>();
  private readonly refreshTimer: NodeJS.Timeout;
  private degraded = false;
  private closed = false;
  private readonly firstReady: Promise<void>;

  /** @param options - the server, the key prefix and the timings */
  constructor(options: RedisHealthStoreOptions) {
    this.processId = options.processId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.keyPrefix = options.keyPrefix ?? "understudy";
    this.channel = `${this.keyPrefix}:health`;
    this.settings = {
      probeTimeoutMs: options.probeTimeoutMs ?? 150,
      refreshMs: options.refreshMs ?? 5_000,
      probeGraceMs: options.probeGraceMs ?? 1_000,
      recordTtlMarginMs: options.recordTtlMarginMs ?? 60_000,
      isolatedTtlMs: options.isolatedTtlMs ?? 24 * 60 * 60 * 1000,
    };
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
    this.refreshTimer = setInterval(() => void this.refresh(), this.settings.refreshMs).unref();
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

  /** @inheritDoc */
  write(modelId: string, record: ModelHealthRecord): void {
    this.known.add(modelId);
    const previous = this.view.get(modelId);
    const opened = record.breaker === "open" && (previous?.breaker !== "open" || previous.reopenAt !== record.reopenAt);
    const stored: StoredRecord = { ...record, ...(opened ? { openedBy: this.processId } : pick(previous?.openedBy)) };
    this.view.set(modelId, stored);
    void this.send(modelId, stored);
  }

  /** @inheritDoc */
  async acquireProbe(modelId: string, now: number, leaseMs: number): Promise<boolean> {
    if (this.degraded) return this.acquireLocally(modelId, now, leaseMs);
    const ttl = String(this.ttlOf({ ...(this.view.get(modelId) ?? healthyRecord), probeLeaseUntil: now + leaseMs }, now));
    const asked = this.commands
      .eval(
        acquireProbeScript,
        1,
        this.keyOf(modelId),
        now,
        leaseMs,
        this.processId,
        this.settings.probeGraceMs,
        this.channel,
        modelId,
        ttl,
      )
      .then((reply) => reply as [number, string?]);
    const answer = await withTimeout(asked, this.settings.probeTimeoutMs).catch((error: unknown) => {
      this.degrade(error);
      return undefined;
    });
    if (!answer) return this.acquireLocally(modelId, now, leaseMs);
    const [taken, json] = answer;
    const record = decodeRecord(json);
    if (record) this.view.set(modelId, record);
    else this.view.delete(modelId);
    return taken === 1;
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

  private get modelSetKey(): string {
    return `${this.keyPrefix}:models`;
  }

  /** A record's lifetime in Redis: 0 (delete) for a healthy one; past its last relevant instant otherwise. */
  private ttlOf(record: ModelHealthRecord, now: number): number {
    if (record.breaker === "isolated") return this.settings.isolatedTtlMs;
    if (isHealthy(record, now)) return 0;
    const lastInstant = Math.max(record.reopenAt, record.probeLeaseUntil, record.cooldownUntil, now);
    return lastInstant - now + this.settings.recordTtlMarginMs;
  }

  private async send(modelId: string, record: StoredRecord): Promise<void> {
    if (this.degraded) return;
    const message: HealthMessage = { modelId, record, from: this.processId };
    const ttl = this.ttlOf(record, Date.now());
    try {
      await this.commands.eval(
        writeRecordScript,
        2,
        this.keyOf(modelId),
        this.modelSetKey,
        encodeRecord(record),
        ttl,
        this.channel,
        JSON.stringify(message),
        modelId,
        this.settings.isolatedTtlMs,
      );
    } catch (error) {
      this.degrade(error);
    }
  }

  private acquireLocally(modelId: string, now: number, leaseMs: number): boolean {
    const previous = this.view.get(modelId);
    const leased = takeProbe(previous ?? healthyRecord, now, leaseMs);
    if (leased) this.view.set(modelId, { ...leased, ...pick(previous?.openedBy) });
    return leased !== undefined;
  }

  private receive(payload: string): void {
    let message: HealthMessage;
    try {
      message = JSON.parse(payload) as HealthMessage;
    } catch {
      return;
    }
    if (message.from === this.processId || typeof message.modelId !== "string") return;
    this.apply(message.modelId, recordFrom(message.record));
  }

  private apply(modelId: string, record: StoredRecord | undefined): void {
    const before = this.view.get(modelId);
    if (record) this.view.set(modelId, record);
    else this.view.delete(modelId);
    if (JSON.stringify(before) === JSON.stringify(record)) return;
    this.emit({ type: "change", modelId, record: record ?? healthyRecord });
  }

  /**
   * Re-reads the record of every model this process or Redis knows of. What
   * Redis holds wins; a local record Redis lacks (written while Redis was
   * away) is written back, so sharing resumes where it stopped.
   */
  private async refresh(): Promise<void> {
    if (this.degraded || this.closed) return;
    try {
      for (const id of await this.commands.smembers(this.modelSetKey)) this.known.add(id);
      const ids = [...this.known];
      if (ids.length === 0) return;
      const values = await this.commands.mget(ids.map((id) => this.keyOf(id)));
      const now = Date.now();
      ids.forEach((id, index) => {
        const remote = decodeRecord(values[index]);
        const local = this.view.get(id);
        if (remote) this.apply(id, remote);
        else if (local && !isHealthy(local, now)) void this.send(id, local);
        else this.apply(id, undefined);
      });
    } catch (error) {
      this.degrade(error);
    }
  }

  private degrade(error: unknown): void {
    if (this.degraded || this.closed) return;
    this.degraded = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.emit({
      type: "degraded",
      message: `Redis unreachable (${reason}); model health is local to this process until it is back`,
    });
  }

  private async watchConnections(): Promise<void> {
    this.commands.on("error", (error: unknown) => this.degrade(error));
    this.subscriber.on("error", () => {});
    this.commands.on("close", () => this.degrade(new Error("connection closed")));
    this.commands.on("ready", () => void this.restore());
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

  private async restore(): Promise<void> {
    if (this.closed) return;
    const wasDegraded = this.degraded;
    this.degraded = false;
    await this.refresh();
    if (wasDegraded && !this.degraded) this.emit({ type: "restored" });
  }

  private emit(event: HealthStoreEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

function pick(openedBy: string | undefined): { openedBy?: string } {
  return openedBy === undefined ? {} : { openedBy };
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
