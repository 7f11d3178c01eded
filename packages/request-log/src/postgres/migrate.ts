import type { PoolClient } from "pg";
import { schemaVersion } from "../sqlite/schema.ts";
import { postgresMigrations } from "./schema.ts";

/** The row of `understudy_schema` that holds the request log's version. */
export const schemaComponent = "request_log";

/** The advisory lock key every replica takes before it reads the version. */
const lockKey = "understudy_request_log_migrate";

/**
 * Brings the database to {@link schemaVersion}, in one transaction under a
 * transaction-scoped advisory lock: replicas starting at once queue on the
 * lock, the first migrates, the others find the version current. The version
 * lives in `understudy_schema (component, version)`. A database from a newer
 * version of the package is refused rather than written wrongly.
 */
export async function migratePostgres(client: PoolClient): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [lockKey]);
    await client.query("CREATE TABLE IF NOT EXISTS understudy_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
    const found = await client.query<{ version: number }>("SELECT version FROM understudy_schema WHERE component = $1", [
      schemaComponent,
    ]);
    const version = found.rows[0]?.version ?? 0;
    if (version > schemaVersion) {
      throw new Error(
        `the request log has schema version ${version}, newer than this package's ${schemaVersion}: upgrade @understudy/request-log`,
      );
    }
    for (let next = version + 1; next <= schemaVersion; next++) await client.query(postgresMigrations[next - 1] ?? "");
    if (version < schemaVersion) {
      await client.query(
        `INSERT INTO understudy_schema (component, version) VALUES ($1, $2)
        ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version`,
        [schemaComponent, schemaVersion],
      );
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

/**
 * Checks, without writing, that the database holds a request log at this
 * package's schema version: what a read-only reader (a report from a role
 * that may only SELECT) does instead of migrating.
 */
export async function checkPostgresSchema(client: PoolClient): Promise<void> {
  let version: number | undefined;
  try {
    const found = await client.query<{ version: number }>("SELECT version FROM understudy_schema WHERE component = $1", [
      schemaComponent,
    ]);
    version = found.rows[0]?.version;
  } catch (error) {
    // 42P01: no such table.
    if ((error as { code?: string }).code !== "42P01") throw error;
  }
  if (version === undefined) throw new Error("the database holds no understudy request log (no understudy_schema row)");
  if (version !== schemaVersion) {
    const fix = version > schemaVersion ? "upgrade @understudy/request-log" : "start a PostgresSink once to migrate it";
    throw new Error(`the request log has schema version ${version}, this package reads ${schemaVersion}: ${fix}`);
  }
}
