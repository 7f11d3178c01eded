// The drill's request log and report: every request of the run on record in
// SQLite, then `understudy report`'s page made from it, so `pnpm demo` ends
// with something to review, as a team would after a real outage.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Fallback } from "@understudy/core";
import {
  buildReport,
  type RequestRecording,
  recordRequests,
  renderReportHtml,
  SqliteRequestLogReader,
  SqliteSink,
} from "@understudy/request-log";

/** Where a drill's log and report are. */
export interface DrillLogFiles {
  /** The SQLite request log. */
  readonly database: string;
  /** The HTML report made from it. */
  readonly report: string;
}

/** A request log for one drill: `record` it on the chain, then `finish` for the report. */
export interface DrillLog {
  /** Starts recording the chain's requests (prompts and answers too: they are the drill's own). */
  record(chat: Fallback): void;
  /** Stops recording, writes what is left, and makes the report. */
  finish(): Promise<DrillLogFiles>;
}

/**
 * Opens a fresh log in `directory`, replacing an earlier drill's; throws,
 * before the drill starts, when the directory cannot hold one or holds a
 * `requests.db` that is no request log (it is not deleted).
 */
export function openDrillLog(directory: string): DrillLog {
  const dir = resolve(directory);
  mkdirSync(dir, { recursive: true });
  const files = { database: join(dir, "requests.db"), report: join(dir, "report.html") };
  if (existsSync(files.database)) new SqliteRequestLogReader(files.database, { readOnly: true }).close();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${files.database}${suffix}`, { force: true });
  let recording: RequestRecording | undefined;
  return {
    record(chat) {
      recording = recordRequests(chat, new SqliteSink(files.database), {
        chain: "outage-drill",
        capture: { prompts: true, answers: true },
      });
    },
    async finish() {
      await recording?.();
      const reader = new SqliteRequestLogReader(files.database);
      try {
        const data = await buildReport(reader, { source: "requests.db (pnpm demo)" });
        writeFileSync(files.report, renderReportHtml(data));
      } finally {
        await reader.close();
      }
      return files;
    },
  };
}
