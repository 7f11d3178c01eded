import type { RequestLogBatch, RequestLogSink } from "../src/index.ts";
import { SqliteLogStore } from "../src/sqlite/sqlite-log-store.ts";

/**
 * The design SqliteSink rejects, for comparison: the same store, written on
 * the calling thread. Every batch, and every wait for another writer's lock,
 * happens on the event loop.
 */
export function inlineSqliteSink(path: string, busyTimeoutMs = 5_000): RequestLogSink {
  const store = new SqliteLogStore(path, busyTimeoutMs);
  return {
    async write(batch: RequestLogBatch) {
      store.write(batch);
    },
    async close() {
      store.close();
    },
  };
}
