import type { DatabaseSync } from "node:sqlite";

/**
 * `node:sqlite`, loaded when a database is first opened rather than when the
 * package is imported: an app that only records to another sink never loads it
 * (on Node 22 it prints an ExperimentalWarning when loaded).
 */
export function openDatabase(path: string, options: { readonly readOnly?: boolean } = {}): DatabaseSync {
  const { DatabaseSync } = process.getBuiltinModule("node:sqlite");
  return new DatabaseSync(path, { readOnly: options.readOnly === true });
}
