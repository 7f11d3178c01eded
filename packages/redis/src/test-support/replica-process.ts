// One replica of an app, in its own process, for the cross-process tests: a
// chain of two OpenAI-compatible models on the fault server, its health in
// Redis. Driven over IPC: "generate" answers with what happened; every
// health-store event is reported as it arrives.
import { createFallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import { RedisHealthStore } from "../redis-health-store.ts";

/** A message from the test to the replica. */
export type ReplicaCommand = { readonly type: "generate" } | { readonly type: "close" };

/** A message from the replica to the test. */
export type ReplicaReport =
  | { readonly type: "ready" }
  | { readonly type: "result"; readonly model: string; readonly outcomes: readonly string[] }
  | { readonly type: "store"; readonly event: string; readonly breaker?: string };

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`replica-process: ${name} is not set`);
  return value;
};

const send = (report: ReplicaReport) => process.send?.(report);
const store = new RedisHealthStore({
  redis: env("REDIS_URL"),
  keyPrefix: env("KEY_PREFIX"),
  processId: env("REPLICA_NAME"),
  probeGraceMs: Number(env("PROBE_GRACE_MS")),
});
const adapter = (modelId: string) => openai(modelId, { baseURL: env("FAULT_URL"), apiKey: "replica-key" });
const chat = createFallback({
  models: [
    {
      model: adapter("primary"),
      id: "primary",
      retry: { maxAttempts: 1 },
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: Number(env("HALF_OPEN_MS")) },
    },
    { model: adapter("backup"), id: "backup" },
  ],
  healthStore: store,
});
chat.on("healthStore", (event) =>
  send({ type: "store", event: event.type, ...(event.type === "change" && { breaker: event.record.breaker }) }),
);

process.on("message", async (command: ReplicaCommand) => {
  if (command.type === "close") {
    chat.close();
    await store.close();
    process.disconnect();
    return;
  }
  const result = await chat.generate({ messages: [{ role: "user", content: "hi" }], maxTokens: 20 });
  send({ type: "result", model: result.model, outcomes: result.attempts.map((a) => `${a.model}:${a.skipReason ?? a.outcome}`) });
});

await store.ready();
send({ type: "ready" });
