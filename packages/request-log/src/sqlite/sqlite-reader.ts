import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { ModelErrorKind, SkipReason } from "@understudy/core";
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
import { checkedBucketMs, noSpend, optionalNumber, spendOf } from "./aggregate-rows.ts";
import { openLogDatabase, openLogReadOnly } from "./open-log-database.ts";
import {
  answerComparisonsSql,
  comparisonsFromRows,
  limitOf,
  tagCountsFromRows,
  timeSpanFromRow,
  timeSpanSql,
  topTagsSql,
} from "./overview-sql.ts";
import { percentilesSql, requestFilter } from "./query-filter.ts";
import { attemptFromRow, requestFromRow } from "./row-codec.ts";
import { shadowSkipsSql, shadowSummariesFromRows, shadowTotalsSql } from "./shadow-sql.ts";

type Row = Record<string, SQLInputValue>;

/** Options of {@link SqliteRequestLogReader}. */
export interface SqliteReaderOptions {
  /** How long a query waits for a writer's lock, in ms (WAL readers rarely wait). Default 5 000. */
  readonly busyTimeoutMs?: number;
  /**
   * Opens the file read-only and changes nothing in it (no migration): for a
   * report on a log you may not write, or a file that may not be a log at all,
   * which is then refused. Default false: opening migrates an older log.
   */
  readonly readOnly?: boolean;
}

/**
 * Answers a report's questions from a SQLite request log, on the calling
 * thread: a report runs apart from the requests it describes (a CLI, an admin
 * page), and in WAL mode its reads never block the processes writing the file.
 * Opening migrates the file, so a log written by an older version reads as
 * well as a new one.
 *
 * @example
 * ```ts
 * const reader = new SqliteRequestLogReader("llm-requests.db");
 * const lastDay = { from: Date.now() - 86_400_000 };
 * console.log(await reader.summary(lastDay), await reader.fallbackRates(lastDay));
 * await reader.close();
 * ```
 */
export class SqliteRequestLogReader implements RequestLogReader {
  private readonly db: DatabaseSync;
  private closed = false;

  /**
   * @param path - the database file
   * @param options - the busy timeout
   */
  constructor(path: string, options: SqliteReaderOptions = {}) {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    this.db = options.readOnly ? openLogReadOnly(path, busyTimeoutMs) : openLogDatabase(path, busyTimeoutMs);
  }

  /** {@inheritDoc RequestLogReader.summary} */
  async summary(query: LogQuery = {}): Promise<LogSummary> {
    const { where, params } = requestFilter(query);
    const totals = this.get(
      `SELECT COUNT(*) AS requests, TOTAL(fallbacks > 0) AS with_fallback,
        TOTAL(outcome = 'success' AND model IS NOT json_extract(models, '$[0]')) AS by_backup, TOTAL(calls) AS calls,
        TOTAL(skips) AS skips, TOTAL(retries) AS retries, TOTAL(fallbacks) AS fallbacks, TOTAL(resets) AS resets,
        TOTAL(hedges > 0) AS hedged, TOTAL(hedges) AS hedges, TOTAL(hedges_won) AS hedges_won,
        TOTAL(cost_answer) AS cost_answer, TOTAL(cost_wasted) AS cost_wasted, TOTAL(cost_complete = 0) AS incomplete
      FROM requests r WHERE ${where}`,
      params,
    );
    const outcomes = this.all(`SELECT outcome, COUNT(*) AS n FROM requests r WHERE ${where} GROUP BY outcome`, params);
    const durations = this.all(
      percentilesSql(`SELECT '' AS grp, r.duration_ms AS value FROM requests r WHERE ${where} AND r.outcome = 'success'`),
      params,
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
      dropped: this.dropped(query),
    };
  }

  /** {@inheritDoc RequestLogReader.requestsOverTime} */
  async requestsOverTime(query: BucketQuery): Promise<RequestBucket[]> {
    const { where, params } = requestFilter(query);
    const bucket = bucketParam(query.bucketMs);
    const rows = this.all(
      `SELECT (r.started_at / ?) * ? AS bucket_start, r.outcome, r.model, COUNT(*) AS requests
      FROM requests r WHERE ${where}
      GROUP BY bucket_start, r.outcome, r.model ORDER BY bucket_start, r.outcome, r.model`,
      [bucket, bucket, ...params],
    );
    return rows.map((row) => ({
      bucketStart: Number(row.bucket_start),
      outcome: row.outcome as RequestOutcome,
      model: row.model === null ? null : String(row.model),
      requests: Number(row.requests),
    }));
  }

  /** {@inheritDoc RequestLogReader.fallbackRates} */
  async fallbackRates(query: LogQuery = {}): Promise<FallbackRate[]> {
    const { where, params } = requestFilter(query);
    const rows = this.all(
      `WITH called AS (
        SELECT a.model, COUNT(DISTINCT a.request_id) AS requests
        FROM requests r JOIN attempts a ON a.request_id = r.request_id
        WHERE ${where} AND a.outcome <> 'skipped' GROUP BY a.model
      ), left_model AS (
        SELECT a.model, a.kind AS reason, COUNT(*) AS fallbacks
        FROM requests r JOIN attempts a ON a.request_id = r.request_id
        WHERE ${where} AND a.fell_back = 1 GROUP BY a.model, a.kind
      )
      SELECT l.model, l.reason, l.fallbacks, c.requests FROM left_model l JOIN called c ON c.model = l.model
      ORDER BY l.model, l.reason`,
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

  /** {@inheritDoc RequestLogReader.skipsOverTime} */
  async skipsOverTime(query: BucketQuery): Promise<SkipBucket[]> {
    const { where, params } = requestFilter(query);
    const bucket = bucketParam(query.bucketMs);
    const rows = this.all(
      `SELECT (a.started_at / ?) * ? AS bucket_start, a.model, a.skip_reason, COUNT(*) AS skips
      FROM requests r JOIN attempts a ON a.request_id = r.request_id
      WHERE ${where} AND a.outcome = 'skipped'
      GROUP BY bucket_start, a.model, a.skip_reason ORDER BY bucket_start, a.model, a.skip_reason`,
      [bucket, bucket, ...params],
    );
    return rows.map((row) => ({
      bucketStart: Number(row.bucket_start),
      model: String(row.model),
      reason: row.skip_reason as SkipReason,
      skips: Number(row.skips),
    }));
  }

  /** {@inheritDoc RequestLogReader.unavailablePeriods} */
  async unavailablePeriods(query: LogQuery & { readonly gapMs?: number } = {}): Promise<UnavailablePeriod[]> {
    const { where, params } = requestFilter(query);
    const reasons = healthSkipReasons.map(() => "?").join(", ");
    const rows = this.db
      .prepare(
        `SELECT a.model, a.started_at, a.skip_reason
        FROM requests r JOIN attempts a ON a.request_id = r.request_id
        WHERE ${where} AND a.outcome = 'skipped' AND a.skip_reason IN (${reasons})
        ORDER BY a.model, a.started_at, a.request_id, a.seq`,
      )
      .iterate(...params, ...healthSkipReasons) as Iterable<Row>;
    const skips = (function* () {
      for (const row of rows) {
        yield { model: String(row.model), at: Number(row.started_at), reason: row.skip_reason as SkipReason };
      }
    })();
    return periodsOf(skips, query.gapMs ?? 60_000);
  }

  /** {@inheritDoc RequestLogReader.latencyByModel} */
  async latencyByModel(query: LogQuery = {}): Promise<ModelLatency[]> {
    const { where, params } = requestFilter(query);
    const answers = `FROM requests r JOIN attempts a ON a.request_id = r.request_id WHERE ${where} AND a.outcome = 'success'`;
    const durations = this.all(percentilesSql(`SELECT a.model AS grp, a.duration_ms AS value ${answers}`), params);
    const firstTokens = this.all(
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

  /** {@inheritDoc RequestLogReader.spendByModel} */
  async spendByModel(query: LogQuery = {}): Promise<ModelSpend[]> {
    const { where, params } = requestFilter(query);
    const rows = this.all(
      `SELECT a.model, a.outcome = 'success' AS answered, COUNT(*) AS calls,
        TOTAL(a.input_tokens) AS input_tokens, TOTAL(a.cached_input_tokens) AS cached_input_tokens,
        TOTAL(a.cache_write_tokens) AS cache_write_tokens, TOTAL(a.output_tokens) AS output_tokens,
        TOTAL(a.cost) AS cost, TOTAL(a.input_tokens IS NOT NULL AND a.cost IS NULL) AS unpriced
      FROM requests r JOIN attempts a ON a.request_id = r.request_id
      WHERE ${where} AND a.outcome <> 'skipped'
      GROUP BY a.model, answered ORDER BY a.model`,
      params,
    );
    const spend = new Map<string, { answered: SpendTotals; wasted: SpendTotals }>();
    for (const row of rows) {
      const model = String(row.model);
      const entry = spend.get(model) ?? { answered: noSpend, wasted: noSpend };
      spend.set(model, { ...entry, [row.answered === 1 ? "answered" : "wasted"]: spendOf(row) });
    }
    return [...spend].map(([model, sides]) => ({ model, ...sides }));
  }

  /** {@inheritDoc RequestLogReader.slowest} */
  async slowest(query: ListQuery = {}): Promise<RequestRecord[]> {
    const { where, params } = requestFilter(query);
    return this.all(
      `SELECT * FROM requests r WHERE ${where} ORDER BY r.duration_ms DESC, r.started_at DESC, r.request_id LIMIT ?`,
      [...params, limitOf(query)],
    ).map(requestFromRow);
  }

  /** {@inheritDoc RequestLogReader.failed} */
  async failed(query: ListQuery = {}): Promise<RequestRecord[]> {
    const { where, params } = requestFilter(query);
    return this.all(
      `SELECT * FROM requests r WHERE ${where} AND r.outcome <> 'success' ORDER BY r.started_at DESC, r.request_id LIMIT ?`,
      [...params, limitOf(query)],
    ).map(requestFromRow);
  }

  /** {@inheritDoc RequestLogReader.timeSpan} */
  async timeSpan(query: LogQuery = {}): Promise<TimeSpan | undefined> {
    const { where, params } = requestFilter(query);
    return timeSpanFromRow(this.get(timeSpanSql(where), params));
  }

  /** {@inheritDoc RequestLogReader.topTags} */
  async topTags(query: ListQuery = {}): Promise<TagCount[]> {
    const { where, params } = requestFilter(query);
    return tagCountsFromRows(this.all(topTagsSql(where), [...params, limitOf(query)]));
  }

  /** {@inheritDoc RequestLogReader.answerComparisons} */
  async answerComparisons(query: ListQuery = {}): Promise<AnswerComparison[]> {
    const { where, params } = requestFilter(query);
    return comparisonsFromRows(this.all(answerComparisonsSql(where), [...params, limitOf(query)]));
  }

  /** {@inheritDoc RequestLogReader.shadowSummary} */
  async shadowSummary(query: LogQuery = {}): Promise<ShadowSummary[]> {
    const { where, params } = requestFilter(query);
    return shadowSummariesFromRows(this.all(shadowTotalsSql(where), params), this.all(shadowSkipsSql(where), params));
  }

  /** {@inheritDoc RequestLogReader.request} */
  async request(requestId: string): Promise<LoggedRequest | undefined> {
    const row = this.get("SELECT * FROM requests WHERE request_id = ?", [requestId]);
    if (!row) return undefined;
    const attempts = this.all("SELECT * FROM attempts WHERE request_id = ? ORDER BY seq", [requestId]).map(attemptFromRow);
    return { record: requestFromRow(row), attempts };
  }

  /** Closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private dropped(query: LogQuery): number {
    // Drops have a time and a chain, no tags: the window and the chain narrow them.
    const { from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY, chain } = query;
    const byChain = chain === undefined ? "" : " AND chain = ?";
    const params = chain === undefined ? [from, to] : [from, to, chain];
    return Number(this.get(`SELECT TOTAL(count) AS n FROM drops WHERE at >= ? AND at < ?${byChain}`, params)?.n ?? 0);
  }

  private all(sql: string, params: readonly SQLInputValue[]): Row[] {
    return this.db.prepare(sql).all(...params) as Row[];
  }

  private get(sql: string, params: readonly SQLInputValue[]): Row | undefined {
    return this.db.prepare(sql).get(...params) as Row | undefined;
  }
}

/** A bucket width as an INTEGER parameter: `node:sqlite` binds a JS number as REAL, and REAL division would not floor. */
function bucketParam(bucketMs: number): bigint {
  return BigInt(checkedBucketMs(bucketMs));
}
