// The SQLite sink's worker thread: every statement runs here, so neither a
// batch, nor a retention purge, nor a wait for another process's lock (up to
// the busy timeout) ever holds up the event loop that serves requests.
import { parentPort, workerData } from "node:worker_threads";
import { SqliteLogStore } from "./sqlite-log-store.ts";
import type { WorkerCommand, WorkerReply, WorkerSettings } from "./worker-protocol.ts";

const settings = workerData as WorkerSettings;
const port = parentPort;
if (!port) throw new Error("sqlite-worker.ts runs as a worker thread of SqliteSink");

let store: SqliteLogStore | undefined;
let openError: unknown;
try {
  store = new SqliteLogStore(settings.path, settings.busyTimeoutMs);
} catch (error) {
  openError = error;
}

const retention = settings.retention;
const retentionTimer =
  store && retention && (retention.maxAgeDays !== undefined || retention.maxRows !== undefined)
    ? setInterval(() => retainQuietly(), retention.intervalMs ?? 600_000)
    : undefined;
retainQuietly();

port.on("message", (command: WorkerCommand) => port.postMessage(run(command)));

function run(command: WorkerCommand): WorkerReply {
  try {
    if (command.type === "close") return close(command.id);
    if (!store) throw openError;
    if (command.type === "write") store.write(command.batch);
    else return { id: command.id, ok: true, deleted: retain(store) };
    return { id: command.id, ok: true };
  } catch (error) {
    return { id: command.id, ok: false, error: describe(error) };
  }
}

function retain(open: SqliteLogStore): number {
  return retention ? open.retain(retention) : 0;
}

/** Retention on its schedule: a failure (a lock held past the busy timeout) waits for the next run. */
function retainQuietly(): void {
  try {
    if (store) retain(store);
  } catch {
    // The next run tries again; writes do not depend on it.
  }
}

function close(id: number): WorkerReply {
  clearInterval(retentionTimer);
  store?.close();
  // With the port closed and no timer left, the thread ends on its own.
  setImmediate(() => port?.close());
  return { id, ok: true };
}

function describe(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}
