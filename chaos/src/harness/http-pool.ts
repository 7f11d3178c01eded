/**
 * A connection pool of its own for each run. Both SDKs send through Node's
 * global fetch, whose dispatcher (undici's `Agent`) keeps connections alive
 * across runs. An aborted request can make it reconnect while the fault
 * server resets, and FaultServer.reset() does not close a connection that
 * arrives after it started: the socket then outlives the run. A run that
 * owns its pool and destroys it before the reset leaves nothing behind, and
 * whatever is still open after that is a real leak.
 */

const globalDispatcher = Symbol.for("undici.globalDispatcher.1");

interface Dispatcher {
  destroy(): Promise<void>;
}

type DispatcherClass = new (options?: object) => Dispatcher;

let agentClass: DispatcherClass | undefined;

function slot(): Record<symbol, Dispatcher | undefined> {
  return globalThis as unknown as Record<symbol, Dispatcher | undefined>;
}

/** undici's `Agent`, from Node's own fetch (no second copy of undici): it exists once fetch has run. */
async function agent(): Promise<DispatcherClass> {
  if (agentClass) return agentClass;
  if (!slot()[globalDispatcher]) await fetch("http://127.0.0.1:1/").catch(() => undefined);
  const current = slot()[globalDispatcher];
  if (!current) throw new Error("Node's fetch set no global dispatcher");
  agentClass = current.constructor as DispatcherClass;
  return agentClass;
}

/** A pool in use by one run: `close()` destroys its connections and puts the previous pool back. */
export interface RunPool {
  close(): Promise<void>;
}

/** Makes a fresh pool Node's fetch (and so both SDKs) will use until `close()`. */
export async function ownHttpPool(): Promise<RunPool> {
  const Agent = await agent();
  const previous = slot()[globalDispatcher];
  const pool = new Agent();
  slot()[globalDispatcher] = pool;
  return {
    async close() {
      if (slot()[globalDispatcher] === pool) slot()[globalDispatcher] = previous;
      await pool.destroy();
    },
  };
}

/** Makes Node's fetch set up its dispatcher now (call it in beforeAll, outside any test's leak check). */
export async function prepareHttpPools(): Promise<void> {
  await agent();
}
