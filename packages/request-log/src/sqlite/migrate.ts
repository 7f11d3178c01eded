import type { DatabaseSync } from "node:sqlite";
import { migrations, schemaVersion } from "./schema.ts";

/**
 * Brings a log file to {@link schemaVersion}: each missing migration in its
 * own transaction with the version bump, so a crash leaves a file at one
 * version or the next. The write lock is taken before the version is read, so
 * two processes opening a new file at once migrate it once. A file from a
 * newer version of the package is refused rather than written wrongly.
 */
export function migrate(db: DatabaseSync): void {
  if (versionOf(db) === schemaVersion) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    const version = versionOf(db);
    if (version > schemaVersion) {
      throw new Error(
        `the request log has schema version ${version}, newer than this package's ${schemaVersion}: upgrade @understudy/request-log`,
      );
    }
    for (let next = version + 1; next <= schemaVersion; next++) {
      db.exec(migrations[next - 1] ?? "");
      db.exec(`PRAGMA user_version = ${next}`);
    }
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

/** The file's schema version (0 for a new file). */
export function versionOf(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number } | undefined;
  return row?.user_version ?? 0;
}
