import type { SQLInputValue } from "node:sqlite";
import type { ModelErrorKind, SkipReason } from "@understudy/core";
import type pg from "pg";
import type {
  AnswerComparison,
  BucketQuery,
  FallbackRate,
  ListQuery,
  LogQuery,
  LogSummary,
  ModelLatency,
  ModelSpend,
  RequestBucket,
  RequestLogReader,
  ShadowSummary,
  SkipBucket,
  SpendTotals,
  TagCount,
  TimeSpan,
  UnavailablePeriod,
} from "../reader/request-log-reader.ts";
import { healthSkipReasons, periodsOf } from "../reader/unavailable-periods.ts";
import type { LoggedRequest } from "../records/request-log-batch.ts";
import type { RequestOutcome, RequestRecord } from "../records/request-record.ts";
import { checkedBucketMs, noSpend, optionalNumber, spendOf } from "../sqlite/aggregate-rows.ts";
import {
  answerComparisonsSql,
  comparisonsFromRows,
  limitOf,
  tagCountsFromRows,
  timeSpanFromRow,
  timeSpanSql,
  topTagsSql,
} from "../sqlite/overview-sql.ts";
import { percentilesSql, requestFilter, wholeBound } from "../sqlite/query-filter.ts";
import { attemptFromRow, requestFromRow } from "../sqlite/row-codec.ts";
import { shadowSkipsSql, shadowSummariesFromRows, shadowTotalsSql } from "../sqlite/shadow-sql.ts";
import { checkPostgresSchema, migratePostgres } from "./migrate.ts";
import { openPool, type PostgresConnection } from "./pool.ts";

type Row = Record<string, SQLInputValue>;

/** Options of {@link PostgresRequestLogReader}. */
export interface PostgresReaderOptions {
  /** The database: a connection string or `pg` pool settings. */
  readonly connection: PostgresConnection;
  /** Most connections the reader's pool opens. Default 2. */
  readonly maxConnections?: number;
  /**
   * Never writes: the schema is checked, not migrated, so a role that may only
   * SELECT can read (a database without a log is refused). Default false.
   */
  readonly readOnly?: boolean;
}

/**
 * Answers a report's questions from a PostgreSQL request log, with the same
 * answers as `SqliteRequestLogReader` on the same requests (the same SQL
 * definitions; text compared byte-wise with `COLLATE "C"` as SQLite does, NULLs
 * first). The first query migrates the schema if no sink has yet.
 */
export class PostgresRequestLogReader implements RequestLogReader {
  private readonly pool: pg.Pool;
  private opened: Promise<void> | undefined;
  private readonly prepare: (client: pg.PoolClient) => Promise<void>;
  private closed = false;

  /** @param options - the database and pool size */
  constructor(options: PostgresReaderOptions) {
    this.pool = openPool(options.connection, options.maxConnections ?? 2);
    this.prepare = options.readOnly ? checkPostgresSchema : migratePostgres;
  }

  /** `RequestLogReader.summary`: see the interface (`@understudy/request-log`). */
  async summary(query: LogQuery = {}): Promise<LogSummary> {
    const { where, params } = filter(query);
    const totals = (
      await this.all(
        `SELECT COUNT(*) AS requests, ${total("(fallbacks > 0)::int")} AS with_fallback,
        ${total("(outcome = 'success' AND model IS DISTINCT FROM (models::jsonb ->> 0))::int")} AS by_backup, ${total("calls")} AS calls,
        ${total("skips")} AS skips, ${total("retries")} AS retries, ${total("fallbacks")} AS fallbacks, ${total("resets")} AS resets,
        ${total("(hedges > 0)::int")} AS hedged, ${total("hedges")} AS hedges, ${total("hedges_won")} AS hedges_won,
        ${total("cost_answer")} AS cost_answer, ${total("cost_wasted")} AS cost_wasted, ${total("(NOT cost_complete)::int")} AS incomplete
      FROM requests r WHERE ${where}`,
        params,
      )
    )[0];
    const outcomes = await this.all(`SELECT outcome, COUNT(*) AS n FROM requests r WHERE ${where} GROUP BY outcome`, params);
    const durations = (
      await this.all(
        percentilesSql(`SELECT '' AS grp, r.duration_ms AS value FROM requests r WHERE ${where} AND r.outcome = 'success'`),
        params,
      )
    )[0];
    return {
      requests: Number(totals?.requests ?? 0),
      outcomes: Object.fromEntries(outcomes.map((row) => [row.outcome as RequestOutcome, Number(row.n)])),
      withFallback: Number(totals?.with_fallback ?? 0),
      answeredByBackup: Number(totals?.by_backup ?? 0),
      calls: Number(totals?.calls ?? 0),
      skips: Number(totals?.skips ?? 0),
      retries: Number(totals?.retries ?? 0),
      fallbacks: Number(totals?.fallbacks ?? 0),
      resets: Number(totals?.resets ?? 0),
      hedged: Number(totals?.hedged ?? 0),
      hedges: Number(totals?.hedges ?? 0),
      hedgesWon: Number(totals?.hedges_won ?? 0),
      costAnswer: Number(totals?.cost_answer ?? 0),
      costWasted: Number(totals?.cost_wasted ?? 0),
      costIncomplete: Number(totals?.incomplete ?? 0),
      durationP50Ms: optionalNumber(durations?.p50),
      durationP95Ms: optionalNumber(durations?.p95),
      dropped: await this.dropped(query),
    };
  }

  /** `RequestLogReader.requestsOverTime`: see the interface (`@understudy/request-log`). */
  async requestsOverTime(query: BucketQuery): Promise<RequestBucket[]> {
    const { where, params } = filter(query);
    const bucket = checkedBucketMs(query.bucketMs);
    const rows = await this.all(
      `SELECT (r.started_at / ?::bigint) * ?::bigint AS bucket_start, r.outcome, r.model, COUNT(*) AS requests
      FROM requests r WHERE ${where}
      GROUP BY bucket_start, r.outcome, r.model ORDER BY bucket_start, r.outcome, r.model NULLS FIRST`,
      [bucket, bucket, ...params],
    );
    return rows.map((row) => ({
      bucketStart: Number(row.bucket_start),
      outcome: row.outcome as RequestOutcome,
      model: row.model === null ? null : String(row.model),
      requests: Number(row.requests),
    }));
  }

  /** `RequestLogReader.fallbackRates`: see the interface (`@understudy/request-log`). */
  async fallbackRates(query: LogQuery = {}): Promise<FallbackRate[]> {
    const { where, params } = filter(query);
    const rows = await this.all(
      `WITH called AS (
        SELECT a.model, COUNT(DISTINCT a.request_id) AS requests
        FROM requests r JOIN attempts a ON a.request_id = r.request_id
        WHERE ${where} AND a.outcome <> 'skipped' GROUP BY a.model
      ), left_model AS (
        SELECT a.model, a.kind AS reason, COUNT(*) AS fallbacks
        FROM requests r JOIN attempts a ON a.request_id = r.request_id
        WHERE ${where} AND a.fell_back GROUP BY a.model, a.kind
      )
      SELECT l.model, l.reason, l.fallbacks, c.requests FROM left_model l JOIN called c ON c.model = l.model
      ORDER BY l.model, l.reason NULLS FIRST`,
      [...params, ...params],
    );
    return rows.map((row) => ({
      model: String(row.model),
      reason: row.reason as ModelErrorKind,
      fallbacks: Number(row.fallbacks),
      requests: Number(row.requests),
      rate: Number(row.fallbacks) / Number(row.requests),
    }));
  }

  /** `RequestLogReader.skipsOverTime`: see the interface (`@understudy/request-log`). */
  async skipsOverTime(query: BucketQuery): Promise<SkipBucket[]> {
    const { where, params } = filter(query);
    const bucket = checkedBucketMs(query.bucketMs);
    const rows = await this.all(
      `SELECT (a.started_at / ?::bigint) * ?::bigint AS bucket_start, a.model, a.skip_reason, COUNT(*) AS skips
      FROM requests r JOIN attempts a ON a.request_id = r.request_id
      WHERE ${where} AND a.outcome = 'skipped'
      GROUP BY bucket_start, a.model, a.skip_reason ORDER BY bucket_start, a.model, a.skip_reason NULLS FIRST`,
      [bucket, bucket, ...params],
    );
    return rows.map((row) => ({
      bucketStart: Number(row.bucket_start),
      model: String(row.model),
      reason: row.skip_reason as SkipReason,
      skips: Number(row.skips),
    }));
  }

  /** `RequestLogReader.unavailablePeriods`: see the interface (`@understudy/request-log`). */
  async unavailablePeriods(query: LogQuery & { readonly gapMs?: number } = {}): Promise<UnavailablePeriod[]> {
    const { where, params } = filter(query);
    const reasons = healthSkipReasons.map(() => "?").join(", ");
    const rows = await this.all(
      `SELECT a.model, a.started_at, a.skip_reason
        FROM requests r JOIN attempts a ON a.request_id = r.request_id
        WHERE ${where} AND a.outcome = 'skipped' AND a.skip_reason IN (${reasons})
        ORDER BY a.model, a.started_at, a.request_id, a.seq`,
      [...params, ...healthSkipReasons],
    );
    const skips = rows.map((row) => ({
      model: String(row.model),
      at: Number(row.started_at),
      reason: row.skip_reason as SkipReason,
    }));
    return periodsOf(skips, query.gapMs ?? 60_000);
  }

  /** `RequestLogReader.latencyByModel`: see the interface (`@understudy/request-log`). */
  async latencyByModel(query: LogQuery = {}): Promise<ModelLatency[]> {
    const { where, params } = filter(query);
    const answers = `FROM requests r JOIN attempts a ON a.request_id = r.request_id WHERE ${where} AND a.outcome = 'success'`;
    const durations = await this.all(percentilesSql(`SELECT a.model AS grp, a.duration_ms AS value ${answers}`), params);
    const firstTokens = await this.all(
      percentilesSql(`SELECT a.model AS grp, a.first_token_ms AS value ${answers} AND a.first_token_ms IS NOT NULL`),
      params,
    );
    const byModel = new Map(firstTokens.map((row) => [String(row.grp), row]));
    return durations.map((row) => {
      const first = byModel.get(String(row.grp));
      return {
        model: String(row.grp),
        calls: Number(row.n),
        p50Ms: Number(row.p50),
        p95Ms: Number(row.p95),
        firstTokenCalls: Number(first?.n ?? 0),
        firstTokenP50Ms: optionalNumber(first?.p50),
        firstTokenP95Ms: optionalNumber(first?.p95),
      };
    });
  }

  /** `RequestLogReader.spendByModel`: see the interface (`@understudy/request-log`). */
  async spendByModel(query: LogQuery = {}): Promise<ModelSpend[]> {
    const { where, params } = filter(query);
    const rows = await this.all(
      `SELECT a.model, a.outcome = 'success' AS answered, COUNT(*) AS calls,
        ${total("a.input_tokens")} AS input_tokens, ${total("a.cached_input_tokens")} AS cached_input_tokens,
        ${total("a.cache_write_tokens")} AS cache_write_tokens, ${total("a.output_tokens")} AS output_tokens,
        ${total("a.cost")} AS cost, ${total("(a.input_tokens IS NOT NULL AND a.cost IS NULL)::int")} AS unpriced
      FROM requests r JOIN attempts a ON a.request_id = r.request_id
      WHERE ${where} AND a.outcome <> 'skipped'
      GROUP BY a.model, answered ORDER BY a.model`,
      params,
    );
    const spend = new Map<string, { answered: SpendTotals; wasted: SpendTotals }>();
    for (const row of rows) {
      const model = String(row.model);
      const entry = spend.get(model) ?? { answered: noSpend, wasted: noSpend };
      spend.set(model, { ...entry, [(row.answered as unknown) === true ? "answered" : "wasted"]: spendOf(row) });
    }
    return [...spend].map(([model, sides]) => ({ model, ...sides }));
  }

  /** `RequestLogReader.slowest`: see the interface (`@understudy/request-log`). */
  async slowest(query: ListQuery = {}): Promise<RequestRecord[]> {
    const { where, params } = filter(query);
    const rows = await this.all(
      `SELECT * FROM requests r WHERE ${where} ORDER BY r.duration_ms DESC, r.started_at DESC, r.request_id LIMIT ?`,
      [...params, limitOf(query)],
    );
    return rows.map(requestFromRow);
  }

  /** `RequestLogReader.failed`: see the interface (`@understudy/request-log`). */
  async failed(query: ListQuery = {}): Promise<RequestRecord[]> {
    const { where, params } = filter(query);
    const rows = await this.all(
      `SELECT * FROM requests r WHERE ${where} AND r.outcome <> 'success' ORDER BY r.started_at DESC, r.request_id LIMIT ?`,
      [...params, limitOf(query)],
    );
    return rows.map(requestFromRow);
  }

  /** `RequestLogReader.timeSpan`: see the interface (`@understudy/request-log`). */
  async timeSpan(query: LogQuery = {}): Promise<TimeSpan | undefined> {
    const { where, params } = filter(query);
    return timeSpanFromRow((await this.all(timeSpanSql(where), params))[0]);
  }

  /** `RequestLogReader.topTags`: see the interface (`@understudy/request-log`). */
  async topTags(query: ListQuery = {}): Promise<TagCount[]> {
    const { where, params } = filter(query);
    return tagCountsFromRows(await this.all(topTagsSql(where), [...params, limitOf(query)]));
  }

  /** `RequestLogReader.answerComparisons`: see the interface (`@understudy/request-log`). */
  async answerComparisons(query: ListQuery = {}): Promise<AnswerComparison[]> {
    const { where, params } = filter(query);
    return comparisonsFromRows(await this.all(answerComparisonsSql(where), [...params, limitOf(query)]));
  }

  /** `RequestLogReader.shadowSummary`: see the interface (`@understudy/request-log`). */
  async shadowSummary(query: LogQuery = {}): Promise<ShadowSummary[]> {
    const { where, params } = filter(query);
    const [totals, skips] = await Promise.all([
      this.all(shadowTotalsSql(where), params),
      this.all(shadowSkipsSql(where), params),
    ]);
    return shadowSummariesFromRows(totals, skips);
  }

  /** `RequestLogReader.request`: see the interface (`@understudy/request-log`). */
  async request(requestId: string): Promise<LoggedRequest | undefined> {
    const row = (await this.all("SELECT * FROM requests WHERE request_id = ?", [requestId]))[0];
    if (!row) return undefined;
    const attempts = (await this.all("SELECT * FROM attempts WHERE request_id = ? ORDER BY seq", [requestId])).map(
      attemptFromRow,
    );
    return { record: requestFromRow(row), attempts };
  }

  /** Ends the pool (every connection closed). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opened?.catch(() => {});
    await this.pool.end();
  }

  private async dropped(query: LogQuery): Promise<number> {
    // Drops have a time and a chain, no tags: the window and the chain narrow them.
    const conditions: string[] = ["TRUE"];
    const params: SQLInputValue[] = [];
    if (query.from !== undefined) {
      conditions.push("at >= ?");
      params.push(wholeBound(query.from));
    }
    if (query.to !== undefined) {
      conditions.push("at < ?");
      params.push(wholeBound(query.to));
    }
    if (query.chain !== undefined) {
      conditions.push("chain = ?");
      params.push(query.chain);
    }
    const rows = await this.all(`SELECT ${total("count")} AS n FROM drops WHERE ${conditions.join(" AND ")}`, params);
    return Number(rows[0]?.n ?? 0);
  }

  private async all(sql: string, params: readonly SQLInputValue[]): Promise<Row[]> {
    if (this.closed) throw new Error("the PostgresRequestLogReader is closed");
    this.opened ??= this.pool.connect().then(async (client) => {
      try {
        await this.prepare(client);
      } finally {
        client.release();
      }
    });
    await this.opened;
    return (await this.pool.query(numbered(sql), params as unknown[])).rows as Row[];
  }
}

/** The request filter of the SQLite reader, with PostgreSQL's `TRUE` for "all" (its times whole ms already). */
function filter(query: LogQuery): { where: string; params: SQLInputValue[] } {
  const { where, params } = requestFilter(query);
  return { where: where === "1" ? "TRUE" : where, params };
}

/** SQLite's `TOTAL`: a sum that is 0, not NULL, over no rows. */
function total(expression: string): string {
  return `COALESCE(SUM(${expression}), 0)`;
}

/** `?` placeholders as PostgreSQL's `$1`, `$2`… (the SQL here holds no `?` inside literals). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
