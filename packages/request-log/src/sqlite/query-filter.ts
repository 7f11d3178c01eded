import type { SQLInputValue } from "node:sqlite";
import type { LogQuery } from "../reader/request-log-reader.ts";

/** A SQL condition on `requests r` and its parameters. */
export interface Filter {
  readonly where: string;
  readonly params: SQLInputValue[];
}

/**
 * The condition a {@link LogQuery} puts on the requests (alias `r`): the time
 * window on `started_at` (index `requests_by_time`), the chain, and one
 * indexed lookup in `request_tags` per tag.
 */
export function requestFilter(query: LogQuery): Filter {
  const conditions: string[] = [];
  const params: SQLInputValue[] = [];
  if (query.from !== undefined) {
    conditions.push("r.started_at >= ?");
    params.push(wholeBound(query.from));
  }
  if (query.to !== undefined) {
    conditions.push("r.started_at < ?");
    params.push(wholeBound(query.to));
  }
  if (query.chain !== undefined) {
    conditions.push("r.chain = ?");
    params.push(query.chain);
  }
  for (const [key, value] of Object.entries(query.tags ?? {})) {
    conditions.push("EXISTS (SELECT 1 FROM request_tags t WHERE t.request_id = r.request_id AND t.key = ? AND t.value = ?)");
    params.push(key, value);
  }
  return { where: conditions.length === 0 ? "1" : conditions.join(" AND "), params };
}

/**
 * The nearest-rank 50th and 95th percentiles of `value` per `grp`, over the
 * rows of `source` (a query selecting columns `grp` and `value`): the smallest
 * value whose rank reaches p% of the count. Window functions, so any SQL
 * store computes it alike (PostgreSQL's `percentile_disc` agrees).
 */
export function percentilesSql(source: string): string {
  return `
    WITH source AS (${source}),
    ranked AS (
      SELECT grp, value,
        ROW_NUMBER() OVER (PARTITION BY grp ORDER BY value) AS rn,
        COUNT(*) OVER (PARTITION BY grp) AS n
      FROM source
    )
    SELECT grp, MAX(n) AS n,
      MIN(CASE WHEN rn * 100 >= n * 50 THEN value END) AS p50,
      MIN(CASE WHEN rn * 100 >= n * 95 THEN value END) AS p95
    FROM ranked GROUP BY grp ORDER BY grp`;
}

/**
 * A window's bound as a whole ms that selects the same requests (their times
 * are whole: `t >= 1.5` and `t < 1.5` are `t >= 2` and `t < 2`), since
 * PostgreSQL refuses a fraction where it compares with a BIGINT.
 */
export function wholeBound(ms: number): number {
  return Number.isFinite(ms) ? Math.ceil(ms) : ms;
}
