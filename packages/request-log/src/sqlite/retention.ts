import type { DatabaseSync } from "node:sqlite";

/** How long the log keeps requests: by age, by count, or both (whichever removes more). */
export interface RetentionOptions {
  /** Requests that started longer ago than this many days are deleted. */
  readonly maxAgeDays?: number;
  /** At most this many requests are kept, the newest. */
  readonly maxRows?: number;
  /** How often retention runs, in ms (it also runs when the sink opens). Default 600 000 (10 minutes). */
  readonly intervalMs?: number;
}

/** Rows deleted per transaction: a big purge must not hold the write lock other processes wait for. */
const chunk = 2_000;

const dayMs = 86_400_000;

/**
 * Deletes what the retention rules say is too old or too many, a chunk per
 * transaction; a request's attempts and tags go with it (foreign keys), and
 * shadow calls older than the oldest request kept.
 * Returns how many requests were deleted.
 */
export function applyRetention(db: DatabaseSync, retention: RetentionOptions, now: number): number {
  let deleted = 0;
  if (retention.maxAgeDays !== undefined) {
    const cutoff = now - retention.maxAgeDays * dayMs;
    deleted += inChunks(db, "SELECT request_id FROM requests WHERE started_at < ? LIMIT ?", [cutoff]);
    db.prepare("DELETE FROM drops WHERE at < ?").run(cutoff);
    db.prepare("DELETE FROM shadows WHERE at < ?").run(cutoff);
  }
  if (retention.maxRows !== undefined) {
    // Past the newest `maxRows`: the oldest are deleted, `chunk` at a time.
    const beyond = "SELECT request_id FROM requests ORDER BY started_at DESC, request_id DESC LIMIT ? OFFSET ?";
    const statement = db.prepare(`DELETE FROM requests WHERE request_id IN (${beyond})`);
    for (let changes = chunk; changes === chunk; ) {
      changes = Number(statement.run(chunk, retention.maxRows).changes);
      deleted += changes;
    }
    // Shadow calls older than every request kept went with their requests.
    db.prepare("DELETE FROM shadows WHERE at < (SELECT MIN(started_at) FROM requests)").run();
  }
  return deleted;
}

function inChunks(db: DatabaseSync, select: string, params: readonly number[]): number {
  const statement = db.prepare(`DELETE FROM requests WHERE request_id IN (${select})`);
  let deleted = 0;
  for (let changes = chunk; changes === chunk; ) {
    changes = Number(statement.run(...params, chunk).changes);
    deleted += changes;
  }
  return deleted;
}
