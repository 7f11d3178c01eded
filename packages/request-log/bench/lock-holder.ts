// Another writer of the same file, in a thread of its own: it takes the write
// lock for `holdMs`, lets go for `pauseMs`, and again, until told to stop —
// what a second process writing the log looks like to the first, at its worst.
import { parentPort, workerData } from "node:worker_threads";
import { openDatabase } from "../src/sqlite/load-sqlite.ts";

const { path, holdMs, pauseMs } = workerData as { path: string; holdMs: number; pauseMs: number };
const db = openDatabase(path);
db.exec("PRAGMA busy_timeout = 5000");
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let running = true;
parentPort?.once("message", () => {
  running = false;
});

function holdOnce(): void {
  if (!running) {
    db.close();
    parentPort?.close();
    return;
  }
  db.exec("BEGIN IMMEDIATE");
  Atomics.wait(sleeper, 0, 0, holdMs);
  db.exec("COMMIT");
  setTimeout(holdOnce, pauseMs);
}
holdOnce();
