import pg from "pg";

/** Where the log lives: a connection string, or `pg` pool settings (host, port, user, ssl…). */
export type PostgresConnection = string | pg.PoolConfig;

/** BIGINT and NUMERIC as JS numbers: epoch ms, durations and token counts fit well within 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as "text");
  }) as typeof pg.types.getTypeParser,
};

/** How long a connection may take to open unless the settings say: a blackholed host fails rather than hangs. */
const defaultConnectTimeoutMs = 10_000;

/** A bounded pool of at most `max` connections, its idle ones not holding the process open. */
export function openPool(connection: PostgresConnection, max: number): pg.Pool {
  const config = typeof connection === "string" ? { connectionString: connection } : connection;
  const connectionTimeoutMillis = config.connectionTimeoutMillis ?? defaultConnectTimeoutMs;
  return new pg.Pool({ ...config, connectionTimeoutMillis, max, allowExitOnIdle: true, types });
}
