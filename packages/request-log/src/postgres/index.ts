/**
 * `@understudy/request-log/postgres`: the request log in PostgreSQL, for a
 * fleet of replicas writing one log. `PostgresSink` writes it (migrating the
 * schema once under an advisory lock, batched inserts, retention, a bounded
 * pool); `PostgresRequestLogReader` answers the same questions as
 * `SqliteRequestLogReader`, alike. Needs the `pg` package (optional peer dependency).
 *
 * @packageDocumentation
 */

export { schemaComponent } from "./migrate.ts";
export type { PostgresConnection } from "./pool.ts";
export { type PostgresReaderOptions, PostgresRequestLogReader } from "./postgres-reader.ts";
export { PostgresSink, type PostgresSinkOptions } from "./postgres-sink.ts";
