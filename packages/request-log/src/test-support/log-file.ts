import type { DroppedRequests, LoggedRequest } from "../records/request-log-batch.ts";
import { SqliteLogStore } from "../sqlite/sqlite-log-store.ts";
import { shadowsOf } from "./log-arbitraries.ts";

/** Writes `logged` (and the shadow calls generated with them) to a SQLite log at `path` with the store the sink's worker runs, in batches of 7. */
export function writeLogFile(path: string, logged: readonly LoggedRequest[], dropped: readonly DroppedRequests[] = []): string {
  const store = new SqliteLogStore(path, 1_000);
  try {
    for (let start = 0; start < logged.length; start += 7) {
      const requests = logged.slice(start, start + 7);
      store.write({ requests, shadows: shadowsOf(requests) });
    }
    for (const drop of dropped) store.write({ requests: [], dropped: drop });
  } finally {
    store.close();
  }
  return path;
}
