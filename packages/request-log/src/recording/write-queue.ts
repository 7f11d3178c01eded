import type { LoggedRequest, RequestLogBatch } from "../records/request-log-batch.ts";
import type { RequestLogSink } from "../records/request-log-sink.ts";
import type { ShadowRecord } from "../records/shadow-record.ts";

/** What one buffered item becomes: a request's rows, or a shadow call's row. */
export type LoggedEntry = LoggedRequest | ShadowRecord;

/** Why requests were not written. */
export type DropReason = "buffer_full" | "write_failed" | "stopped";

/** Requests the log lost, as `onDrop` hears of them. */
export interface DropNotice {
  /**
   * `buffer_full` — the buffer was full (the sink is slower than the traffic);
   * `write_failed` — the sink rejected a batch, or did not settle it in time (`error` says which);
   * `stopped` — requests still in flight when recording stopped.
   */
  readonly reason: DropReason;
  /** How many requests. */
  readonly count: number;
  /** With `write_failed`: what the sink threw. */
  readonly error?: unknown;
}

/**
 * A recording's counts since it began. Every request that ended while
 * recording is in exactly one of `written`, `failed`, `dropped` and `pending`;
 * so is every shadow call of a chain with `shadow` sampling, each counted as one.
 */
export interface RequestLogStats {
  /** Requests the sink stored. */
  readonly written: number;
  /** Requests lost in a batch the sink rejected or did not settle in time. */
  readonly failed: number;
  /** Requests never handed to the sink: the buffer was full, or they were in flight when recording stopped. */
  readonly dropped: number;
  /** Requests waiting in the buffer or in the batch being written. */
  readonly pending: number;
}

/** How the queue batches, bounds and reports. */
export interface WriteQueueSettings {
  readonly chain: string;
  readonly bufferSize: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly writeTimeoutMs: number;
  readonly onDrop: ((notice: DropNotice) => void) | undefined;
}

/**
 * A bounded buffer in front of a sink: requests go in at once (never
 * waiting), leave in batches of `batchSize` — as soon as one is full, or
 * `flushIntervalMs` after the first of a smaller one arrived — one batch at a
 * time. A full buffer drops the newest request and counts it; a failed write
 * counts its batch. Items are turned into rows only when their batch is taken,
 * off the request path. Nothing here throws to its caller.
 */
export class WriteQueue<T> {
  private readonly buffer: T[] = [];
  private readonly sink: RequestLogSink;
  private readonly toRows: (item: T) => LoggedEntry;
  private readonly settings: WriteQueueSettings;
  private writing: Promise<void> | undefined;
  private writingCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private counts = { written: 0, failed: 0, dropped: 0 };
  /** Requests lost and not yet told to the sink (a report must know the log undercounts). */
  private unreported = 0;

  /**
   * @param sink - where batches go
   * @param toRows - turns a buffered item into its rows (may throw: the item then counts as failed)
   * @param settings - bounds and batching
   */
  constructor(sink: RequestLogSink, toRows: (item: T) => LoggedEntry, settings: WriteQueueSettings) {
    this.sink = sink;
    this.toRows = toRows;
    this.settings = settings;
  }

  /** Takes a request in, or drops it when the buffer is full. */
  push(item: T): void {
    if (this.buffer.length >= this.settings.bufferSize) {
      this.drop(1, "buffer_full");
      return;
    }
    this.buffer.push(item);
    if (this.buffer.length >= this.settings.batchSize) this.writeSoon();
    else this.writeLater();
  }

  /** Counts requests lost before they reached the buffer. */
  drop(count: number, reason: Exclude<DropReason, "write_failed">): void {
    if (count <= 0) return;
    this.counts.dropped += count;
    this.unreported += count;
    this.notify({ reason, count });
  }

  /** The counts so far. */
  stats(): RequestLogStats {
    return { ...this.counts, pending: this.buffer.length + this.writingCount };
  }

  /**
   * Writes everything buffered now, batch by batch, then tells the sink of
   * unreported drops. Resolves when done, whatever the sink does.
   */
  async flush(): Promise<void> {
    this.cancelTimers();
    while (this.writing || this.buffer.length > 0) await (this.writing ?? this.writeNext());
    if (this.unreported > 0) await this.writeNext();
  }

  /** Flushes, then stops the timers for good. */
  async close(): Promise<void> {
    await this.flush();
    this.cancelTimers();
  }

  private writeSoon(): void {
    if (this.soon || this.writing) return;
    this.soon = setImmediate(() => {
      this.soon = undefined;
      void this.writeNext();
    });
  }

  private writeLater(): void {
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeNext();
    }, this.settings.flushIntervalMs);
    // A log never keeps a process alive; `chain.close()` writes what is left.
    this.timer.unref();
  }

  private cancelTimers(): void {
    clearTimeout(this.timer);
    clearImmediate(this.soon);
    this.timer = undefined;
    this.soon = undefined;
  }

  /** Writes the next batch (if nothing is being written); the promise never rejects. */
  private writeNext(): Promise<void> {
    if (this.writing) return this.writing;
    this.cancelTimers();
    const batch = this.takeBatch();
    if (!batch) return Promise.resolve();
    this.writingCount = entriesOf(batch);
    this.writing = this.send(batch).finally(() => {
      this.writing = undefined;
      this.writingCount = 0;
      if (this.buffer.length >= this.settings.batchSize) this.writeSoon();
      else if (this.buffer.length > 0) this.writeLater();
    });
    return this.writing;
  }

  /** The next batch, its items turned into rows; undefined when there is nothing to tell the sink. */
  private takeBatch(): RequestLogBatch | undefined {
    const items = this.buffer.splice(0, this.settings.batchSize);
    const requests: LoggedRequest[] = [];
    const shadows: ShadowRecord[] = [];
    for (const item of items) {
      try {
        const entry = this.toRows(item);
        if ("record" in entry) requests.push(entry);
        else shadows.push(entry);
      } catch (error) {
        this.lose(1, error);
      }
    }
    if (requests.length === 0 && shadows.length === 0 && this.unreported === 0) return undefined;
    return {
      requests,
      ...(shadows.length === 0 ? {} : { shadows }),
      ...(this.unreported === 0 ? {} : { dropped: { chain: this.settings.chain, count: this.unreported, at: Date.now() } }),
    };
  }

  private async send(batch: RequestLogBatch): Promise<void> {
    const told = batch.dropped?.count ?? 0;
    try {
      await withTimeout(() => this.sink.write(batch), this.settings.writeTimeoutMs);
      this.counts.written += entriesOf(batch);
      this.unreported -= told;
    } catch (error) {
      this.lose(entriesOf(batch), error);
    }
  }

  private lose(count: number, error: unknown): void {
    this.counts.failed += count;
    this.unreported += count;
    if (count > 0) this.notify({ reason: "write_failed", count, error });
  }

  private notify(notice: DropNotice): void {
    try {
      this.settings.onDrop?.(notice);
    } catch {
      // The app's callback must not break the log, and the log must not break a request.
    }
  }
}

/** The rows a batch's counts go by: its requests and its shadow calls. */
function entriesOf(batch: RequestLogBatch): number {
  return batch.requests.length + (batch.shadows?.length ?? 0);
}

/** Runs `write`, failing if it does not settle within `ms`: a hung sink must not hang `chain.close()`. */
async function withTimeout(write: () => Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the sink did not settle a write within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    await Promise.race([Promise.resolve().then(write), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
