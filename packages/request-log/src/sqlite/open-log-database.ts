import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "./load-sqlite.ts";
import { migrate, versionOf } from "./migrate.ts";
import { schemaVersion } from "./schema.ts";

/**
 * Opens a log file for writing or reading, as every connection must be:
 * a busy timeout first (so that the pragmas below wait for another process
 * rather than fail), WAL (readers never block the writer, several processes
 * can share the file), `synchronous = NORMAL` (durable at each checkpoint; a
 * power cut may lose the last batches, never corrupt the file), foreign keys
 * (retention's deletes cascade to attempts and tags), then the migrations.
 */
export function openLogDatabase(path: string, busyTimeoutMs: number): DatabaseSync {
  const db = openDatabase(path);
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Opens a log file only to read it, changing nothing: no WAL switch, no
 * migration. A file that is not a request log at this package's schema
 * version is refused with a message that says which it is, rather than read
 * as an empty log (or, as a writer would, turned into one).
 */
export function openLogReadOnly(path: string, busyTimeoutMs: number): DatabaseSync {
  const db = openDatabase(path, { readOnly: true });
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    const version = versionOf(db);
    const hasRequests = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'requests'").get();
    if (version === 0 || !hasRequests) {
      throw new Error(`${path} is not an understudy request log (no requests table at a schema version)`);
    }
    if (version !== schemaVersion) {
      const fix = version > schemaVersion ? "upgrade @understudy/request-log" : "open it once with a SqliteSink to migrate it";
      throw new Error(`${path} has schema version ${version}, this package reads ${schemaVersion}: ${fix}`);
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
