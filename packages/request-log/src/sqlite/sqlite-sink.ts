import { Worker } from "node:worker_threads";
import { ConfigError } from "@understudy/core";
import type { RequestLogBatch } from "../records/request-log-batch.ts";
import type { RequestLogSink } from "../records/request-log-sink.ts";
import type { RetentionOptions } from "./retention.ts";
import type { WorkerCommand, WorkerReply, WorkerSettings } from "./worker-protocol.ts";

/** Options of {@link SqliteSink}. */
export interface SqliteSinkOptions {
  /** How long the log keeps requests; everything by default. Runs when the sink opens, then every `intervalMs`. */
  readonly retention?: RetentionOptions;
  /**
   * How long a write waits for another process holding the file's lock, in ms,
   * before its batch fails. Default 5 000. The wait happens in the sink's
   * worker thread, never on your event loop.
   */
  readonly busyTimeoutMs?: number;
}

// Run from source (tests, `--conditions=@understudy/source`) the worker is the .ts file; built, the .js beside this one.
const workerFile = new URL(import.meta.url.endsWith(".ts") ? "./sqlite-worker.ts" : "./sqlite-worker.js", import.meta.url);

type Command = WorkerCommand extends infer C ? (C extends { id: number } ? Omit<C, "id"> : never) : never;

/**
 * A {@link RequestLogSink} into a SQLite file, through `node:sqlite` (built
 * into Node from 22.13; no native addon). Every statement runs in a worker
 * thread of its own: `node:sqlite` is synchronous, and a batch, a retention
 * purge or a wait for another process's lock would otherwise stall the event
 * loop that serves requests. The file is in WAL mode with a busy timeout, so
 * several processes can write one file and a report can read it meanwhile.
 * The schema is versioned (`PRAGMA user_version`) and migrated on open.
 *
 * The worker keeps the process alive only while a write is pending. Close the
 * sink (or the chain it records) to write what is buffered and end the thread.
 *
 * @example
 * ```ts
 * const sink = new SqliteSink("llm-requests.db", { retention: { maxAgeDays: 30 } });
 * recordRequests(chat, sink);
 * ```
 */
export class SqliteSink implements RequestLogSink {
  /** The database file. */
  readonly path: string;
  private readonly worker: Worker;
  private readonly pending = new Map<number, PromiseWithResolvers<WorkerReply & { ok: true }>>();
  private nextId = 1;
  private exited = false;
  private closing: Promise<void> | undefined;

  /**
   * Starts the worker, which opens (creating and migrating) the file. An
   * error opening it fails each write, with its message.
   *
   * @param path - the database file (created if missing)
   * @param options - retention and busy timeout; throws `ConfigError` for values that cannot work
   */
  constructor(path: string, options: SqliteSinkOptions = {}) {
    validateSinkOptions(path, options);
    this.path = path;
    const workerData: WorkerSettings = { path, busyTimeoutMs: options.busyTimeoutMs ?? 5_000, retention: options.retention };
    this.worker = new Worker(workerFile, { workerData });
    this.worker.unref();
    this.worker.on("message", (reply: WorkerReply) => this.settle(reply));
    this.worker.on("error", (error) => this.failAll(error));
    this.worker.on("exit", () => {
      this.exited = true;
      this.failAll(new Error("the request log's worker thread has ended"));
    });
  }

  /** Writes a batch in one transaction, in the worker. */
  async write(batch: RequestLogBatch): Promise<void> {
    if (this.closing) throw new Error("the request log's SQLite sink is closed");
    await this.send({ type: "write", batch });
  }

  /** Applies retention now (it also runs on its schedule); resolves with the requests deleted. */
  async applyRetention(): Promise<number> {
    return (await this.send({ type: "retain" })).deleted ?? 0;
  }

  /** Waits for pending writes, closes the file and ends the worker. The same promise on every call. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    // Commands run in order: the close comes after every write sent before it.
    await this.send({ type: "close" }).catch(() => undefined);
    this.worker.ref();
    await exited;
  }

  private send(command: Command): Promise<WorkerReply & { ok: true }> {
    if (this.exited) return Promise.reject(new Error("the request log's worker thread has ended"));
    const id = this.nextId++;
    const reply = Promise.withResolvers<WorkerReply & { ok: true }>();
    // Alive while something waits on the worker: a pending write is not lost to a process that exits.
    if (this.pending.size === 0) this.worker.ref();
    this.pending.set(id, reply);
    try {
      this.worker.postMessage({ ...command, id } as WorkerCommand);
    } catch (error) {
      // A batch that cannot be cloned (a function in a field of a hand-made record) fails alone.
      this.settle({ id, ok: false, error: { name: "DataCloneError", message: String(error) } });
    }
    return reply.promise;
  }

  private settle(reply: WorkerReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0 && !this.closing) this.worker.unref();
    if (reply.ok) waiting.resolve(reply);
    else waiting.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
  }

  private failAll(error: unknown): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

const maxTimerMs = 2_147_483_647;

function validateSinkOptions(path: string, options: SqliteSinkOptions): void {
  if (typeof path !== "string" || path.length === 0) {
    throw new ConfigError("path", "must be the path of a database file", 'pass e.g. "llm-requests.db"');
  }
  const { retention, busyTimeoutMs } = options;
  const checks: [string, number | undefined][] = [
    ["busyTimeoutMs", busyTimeoutMs],
    ["retention.maxAgeDays", retention?.maxAgeDays],
    ["retention.maxRows", retention?.maxRows],
    ["retention.intervalMs", retention?.intervalMs],
  ];
  for (const [name, value] of checks) {
    if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value > 0)) {
      throw new ConfigError(`options.${name}`, `must be a positive number, got ${String(value)}`, "leave it out for the default");
    }
  }
  // A longer interval would overflow Node's timer and fire at once, over and over.
  if (retention?.intervalMs !== undefined && retention.intervalMs > maxTimerMs) {
    throw new ConfigError(
      "options.retention.intervalMs",
      `must be at most ${maxTimerMs} ms`,
      "run retention at least every 24 days",
    );
  }
  if (retention?.maxRows !== undefined && !Number.isInteger(retention.maxRows)) {
    throw new ConfigError("options.retention.maxRows", `must be a whole number, got ${retention.maxRows}`, "round it");
  }
}
