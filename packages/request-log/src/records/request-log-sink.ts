import type { RequestLogBatch } from "./request-log-batch.ts";

/**
 * Where a request log goes: SQLite ({@link SqliteSink}), PostgreSQL, a file, a
 * queue. `recordRequests` calls `write` with one batch at a time (never two
 * at once), off the request path, and `close` once after the last write.
 *
 * A sink may reject a write: the batch's requests are counted as failed and
 * reported as dropped, and recording goes on. It should make a write all or
 * nothing (one transaction), and treat a request id it already holds as
 * written, so that writing a batch twice does no harm.
 */
export interface RequestLogSink {
  /** Writes a batch; resolves once it is stored. */
  write(batch: RequestLogBatch): Promise<void>;
  /** Finishes pending writes and releases what the sink holds (connections, a worker). */
  close(): Promise<void>;
}
