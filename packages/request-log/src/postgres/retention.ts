import type pg from "pg";
import type { RetentionOptions } from "../sqlite/retention.ts";

/** Rows deleted per statement: a big purge must not hold row locks other replicas' writes wait for. */
const chunk = 2_000;
const dayMs = 86_400_000;

/**
 * Deletes what the retention rules say is too old or too many, a chunk per
 * statement (each its own transaction); a request's attempts and tags go with
 * it (ON DELETE CASCADE), and shadow calls older than the oldest request
 * kept. Returns how many requests were deleted.
 */
export async function applyPostgresRetention(pool: pg.Pool, retention: RetentionOptions, now: number): Promise<number> {
  let deleted = 0;
  if (retention.maxAgeDays !== undefined) {
    const cutoff = now - retention.maxAgeDays * dayMs;
    deleted += await inChunks(
      pool,
      "DELETE FROM requests WHERE request_id IN (SELECT request_id FROM requests WHERE started_at < $1 LIMIT $2)",
      [cutoff],
    );
    await pool.query("DELETE FROM drops WHERE at < $1", [cutoff]);
    await pool.query("DELETE FROM shadows WHERE at < $1", [cutoff]);
  }
  if (retention.maxRows !== undefined) {
    deleted += await inChunks(
      pool,
      `DELETE FROM requests WHERE request_id IN (
        SELECT request_id FROM requests ORDER BY started_at DESC, request_id DESC OFFSET $1 LIMIT $2)`,
      [retention.maxRows],
    );
    // Shadow calls older than every request kept went with their requests.
    await pool.query("DELETE FROM shadows WHERE at < (SELECT MIN(started_at) FROM requests)");
  }
  return deleted;
}

async function inChunks(pool: pg.Pool, sql: string, params: readonly number[]): Promise<number> {
  let deleted = 0;
  for (let changes = chunk; changes === chunk; ) {
    changes = (await pool.query(sql, [...params, chunk])).rowCount ?? 0;
    deleted += changes;
  }
  return deleted;
}
