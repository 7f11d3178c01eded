// One replica of the drill's app, in its own process: the drill's chain against
// the parent's fault server, its health in memory or in Redis. Started by
// replicas.ts; sends its outcomes back over IPC.
import { RedisHealthStore } from "@understudy/redis";
import { type DrillEndpoints, type DrillRun, drillChain, type RequestOutcome, sendTraffic } from "./drill.ts";

/** What the parent tells a replica. */
export interface ReplicaTask {
  readonly endpoints: DrillEndpoints;
  readonly phases: DrillRun["phases"];
  readonly rate: number;
  /** Shared health: the Redis URL and this run's key prefix. */
  readonly redis?: { readonly url: string; readonly keyPrefix: string };
}

/** What a replica sends back. */
export interface ReplicaReport {
  readonly outcomes: readonly RequestOutcome[];
  readonly warnings: readonly string[];
}

process.once("message", async (task: ReplicaTask) => {
  const store = task.redis && new RedisHealthStore({ redis: task.redis.url, keyPrefix: task.redis.keyPrefix });
  await store?.ready();
  const chat = drillChain(task.endpoints, store);
  const warnings: string[] = [];
  chat.on("healthStore", (event) => event.type === "degraded" && warnings.push(event.message));
  const outcomes = await sendTraffic(chat, task.phases, task.rate, () => {});
  chat.close();
  await store?.close();
  const report: ReplicaReport = { outcomes, warnings };
  process.send?.(report, () => process.disconnect());
});
