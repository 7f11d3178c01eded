import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { RequestLogBatch } from "../records/request-log-batch.ts";
import { openLogDatabase } from "./open-log-database.ts";
import { applyRetention, type RetentionOptions } from "./retention.ts";
import { attemptColumns, attemptValues, requestColumns, requestValues, shadowColumns, shadowValues } from "./row-codec.ts";

/**
 * The writing side of a SQLite log, synchronous (`node:sqlite` is): the
 * {@link SqliteSink}'s worker thread runs it, off the event loop that serves
 * requests. One transaction per batch; a request already in the file is left
 * as it is, so a batch written twice does no harm.
 */
export class SqliteLogStore {
  private readonly db: DatabaseSync;
  private readonly insertRequest: StatementSync;
  private readonly insertAttempt: StatementSync;
  private readonly insertTag: StatementSync;
  private readonly insertDrops: StatementSync;
  private readonly insertShadow: StatementSync;
  private closed = false;

  /**
   * Opens (and migrates) the file.
   *
   * @param path - the database file
   * @param busyTimeoutMs - how long a write waits for another process's lock
   */
  constructor(path: string, busyTimeoutMs: number) {
    this.db = openLogDatabase(path, busyTimeoutMs);
    this.insertRequest = this.db.prepare(insertOrIgnore("requests", requestColumns));
    this.insertAttempt = this.db.prepare(insertOrIgnore("attempts", attemptColumns));
    this.insertTag = this.db.prepare(insertOrIgnore("request_tags", ["request_id", "key", "value"]));
    this.insertDrops = this.db.prepare("INSERT INTO drops (at, chain, count) VALUES (?, ?, ?)");
    this.insertShadow = this.db.prepare(insertOrIgnore("shadows", shadowColumns));
  }

  /** Writes a batch in one transaction (all or nothing). */
  write(batch: RequestLogBatch): void {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      for (const { record, attempts } of batch.requests) {
        // An id already written (a batch sent twice) keeps its rows; its attempts and tags are ignored too.
        if (Number(this.insertRequest.run(...requestValues(record)).changes) === 0) continue;
        for (const attempt of attempts) this.insertAttempt.run(...attemptValues(attempt));
        for (const [key, value] of Object.entries(record.tags)) this.insertTag.run(record.requestId, key, value);
      }
      // A shadow call already written (a batch sent twice) is kept as it is.
      for (const shadow of batch.shadows ?? []) this.insertShadow.run(...shadowValues(shadow));
      if (batch.dropped) this.insertDrops.run(batch.dropped.at, batch.dropped.chain, batch.dropped.count);
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Deletes what retention says is too old or too many; returns the requests deleted. */
  retain(retention: RetentionOptions, now = Date.now()): number {
    return applyRetention(this.db, retention, now);
  }

  /** Closes the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** An insert that skips a row whose key is taken, and only that: `INSERT OR IGNORE` would also drop a row that breaks NOT NULL. */
function insertOrIgnore(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")}) ON CONFLICT DO NOTHING`;
}
