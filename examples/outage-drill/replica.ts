// One replica of the drill's app, in its own process: the drill's chain against
// the parent's fault server, its health in memory or in Redis. Started by
// replicas.ts: it gets ready (its modules loaded, Redis connected), says so,
// then sends traffic through the phases it is given and reports over IPC.
import { RedisHealthStore } from "@understudy/redis";
import { type DrillEndpoints, type DrillRun, drillChain, type RequestOutcome, sendTraffic } from "./drill.ts";

/** What the parent tells a replica first: where the providers answer, and where health is shared. */
export interface ReplicaSetup {
  readonly endpoints: DrillEndpoints;
  /** Shared health: the Redis URL and this run's key prefix. */
  readonly redis?: { readonly url: string; readonly keyPrefix: string };
}

/** What the parent tells a replica once every replica is ready: the traffic to send. */
export interface ReplicaTask {
  readonly phases: DrillRun["phases"];
  readonly rate: number;
}

/** What a replica sends back: first that it is ready, then its report. */
export type ReplicaMessage = { readonly type: "ready" } | ({ readonly type: "report" } & ReplicaReport);

/** A replica's requests, and the health store's complaints. */
export interface ReplicaReport {
  readonly outcomes: readonly RequestOutcome[];
  readonly warnings: readonly string[];
}

process.once("message", async (setup: ReplicaSetup) => {
  const store = setup.redis && new RedisHealthStore({ redis: setup.redis.url, keyPrefix: setup.redis.keyPrefix });
  const warnings: string[] = [];
  // Subscribed before `ready()`: a Redis that cannot be reached at all is reported too.
  store?.subscribe((event) => event.type === "degraded" && warnings.push(event.message));
  await store?.ready();
  const chat = drillChain(setup.endpoints, store);
  process.once("message", async (task: ReplicaTask) => {
    const outcomes = await sendTraffic(chat, task.phases, task.rate, () => {});
    chat.close();
    await store?.close();
    const report: ReplicaMessage = { type: "report", outcomes, warnings };
    process.send?.(report, () => process.disconnect());
  });
  const ready: ReplicaMessage = { type: "ready" };
  process.send?.(ready);
});
