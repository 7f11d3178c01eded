import type pg from "pg";
import type { RequestLogBatch } from "../records/request-log-batch.ts";
import type { RequestLogSink } from "../records/request-log-sink.ts";
import type { RetentionOptions } from "../sqlite/retention.ts";
import {
  attemptColumns,
  attemptValues,
  requestColumns,
  requestValues,
  shadowColumns,
  shadowValues,
} from "../sqlite/row-codec.ts";
import { migratePostgres } from "./migrate.ts";
import { openPool, type PostgresConnection } from "./pool.ts";
import { applyPostgresRetention } from "./retention.ts";

/** Options of {@link PostgresSink}. */
export interface PostgresSinkOptions {
  /** The database: a connection string or `pg` pool settings. */
  readonly connection: PostgresConnection;
  /** Most connections the sink's pool opens. Default 2 (writes come one batch at a time; retention may run beside). */
  readonly maxConnections?: number;
  /** How long the log keeps requests; none by default (kept forever). Any one replica's rules suffice. */
  readonly retention?: RetentionOptions;
  /** Called when scheduled retention fails (the next run tries again). Default: ignored. */
  readonly onRetentionError?: (error: unknown) => void;
}

/** Rows per INSERT statement: under PostgreSQL's 65 535 parameters for the widest table. */
const rowsPerInsert = 500;

/**
 * Writes the request log to PostgreSQL, for fleets: every replica's sink
 * writes the same tables. Opening migrates the schema once however many
 * replicas start at once (advisory lock); each batch is one transaction of
 * multi-row inserts, and a request id already stored is skipped
 * (`ON CONFLICT DO NOTHING`), so a batch written twice does no harm.
 * Retention runs when the sink opens and on its interval.
 *
 * Needs the `pg` package (an optional peer dependency).
 *
 * @example
 * ```ts
 * const sink = new PostgresSink({ connection: process.env.DATABASE_URL, retention: { maxAgeDays: 30 } });
 * const recording = recordRequests(chat, sink);
 * ```
 */
export class PostgresSink implements RequestLogSink {
  private readonly pool: pg.Pool;
  private readonly opened: Promise<void>;
  private readonly timer: NodeJS.Timeout | undefined;
  private retaining: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private readonly options: PostgresSinkOptions;

  /** @param options - the database, pool size and retention */
  constructor(options: PostgresSinkOptions) {
    this.options = options;
    this.pool = openPool(options.connection, options.maxConnections ?? 2);
    this.opened = this.open();
    // An open that fails rejects every write; it must not be an unhandled rejection meanwhile.
    this.opened.catch(() => {});
    const retention = options.retention;
    if (retention && (retention.maxAgeDays !== undefined || retention.maxRows !== undefined)) {
      this.timer = setInterval(() => void this.retain().catch(() => {}), retention.intervalMs ?? 600_000);
      this.timer.unref();
    }
  }

  /** Resolves once the schema is current (and the first retention ran); rejects if the database cannot be reached or migrated. */
  ready(): Promise<void> {
    return this.opened;
  }

  /** `RequestLogSink.write`: see the interface (`@understudy/request-log`). */
  async write(batch: RequestLogBatch): Promise<void> {
    await this.opened;
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await insertBatch(client, batch);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** Runs retention now; resolves with the requests deleted. */
  async retain(now = Date.now()): Promise<number> {
    const retention = this.options.retention;
    if (!retention || this.closing) return 0;
    const run = this.retaining.then(async () => {
      await this.opened;
      return applyPostgresRetention(this.pool, retention, now);
    });
    this.retaining = run.catch((error: unknown) => this.options.onRetentionError?.(error));
    return run;
  }

  /** Stops retention, waits for what is running, and ends the pool (every connection closed). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      await this.opened.catch(() => {});
      await this.retaining;
      await this.pool.end();
    })();
    return this.closing;
  }

  private async open(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await migratePostgres(client);
    } finally {
      client.release();
    }
    const retention = this.options.retention;
    if (retention) await applyPostgresRetention(this.pool, retention, Date.now());
  }
}

/** The batch's rows: requests first; attempts and tags only of the requests this insert stored; then shadow calls. */
async function insertBatch(client: pg.PoolClient, batch: RequestLogBatch): Promise<void> {
  const stored = new Set<string>();
  for (let start = 0; start < batch.requests.length; start += rowsPerInsert) {
    const slice = batch.requests.slice(start, start + rowsPerInsert);
    const result = await client.query<{ request_id: string }>(
      `${insert("requests", requestColumns, slice.length)} RETURNING request_id`,
      slice.flatMap(({ record }) => requestValues(record).map(postgresText)),
    );
    for (const row of result.rows) stored.add(row.request_id);
  }
  const fresh = batch.requests.filter(({ record }) => stored.has(record.requestId));
  const attempts = fresh.flatMap(({ attempts }) => attempts.map((attempt) => attemptValues(attempt).map(postgresText)));
  const tags = fresh.flatMap(({ record }) =>
    Object.entries(record.tags).map(([key, value]) => [record.requestId, postgresText(key), postgresText(value)]),
  );
  await insertRows(client, "attempts", attemptColumns, attempts);
  await insertRows(client, "request_tags", ["request_id", "key", "value"], tags);
  const shadows = (batch.shadows ?? []).map((shadow) => shadowValues(shadow).map(postgresText));
  await insertRows(client, "shadows", shadowColumns, shadows);
  if (batch.dropped) {
    await client.query("INSERT INTO drops (at, chain, count) VALUES ($1, $2, $3)", [
      batch.dropped.at,
      batch.dropped.chain,
      batch.dropped.count,
    ]);
  }
}

/**
 * A value PostgreSQL's TEXT takes: it refuses the NUL character (and with it
 * the whole batch), which a tag, a prompt or an error message may carry; it
 * becomes U+FFFD, as an undecodable byte would.
 */
function postgresText<T>(value: T): T | string {
  return typeof value === "string" && value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value;
}

async function insertRows(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += rowsPerInsert) {
    const slice = rows.slice(start, start + rowsPerInsert);
    await client.query(insert(table, columns, slice.length), slice.flat());
  }
}

/** A multi-row insert of `count` rows that skips a row whose key is taken (and only that). */
function insert(table: string, columns: readonly string[], count: number): string {
  const rows: string[] = [];
  for (let row = 0; row < count; row++) {
    rows.push(`(${columns.map((_, column) => `$${row * columns.length + column + 1}`).join(", ")})`);
  }
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${rows.join(", ")} ON CONFLICT DO NOTHING`;
}
