import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "./load-sqlite.ts";
import { migrate } from "./migrate.ts";

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
