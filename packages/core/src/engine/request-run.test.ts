import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { createFallback, type FailureEvent, type HealthStore, InMemoryHealthStore } from "../index.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };

/** A shared store whose probe lease fails the way a client library may: with `thrown`, not an Error. */
function storeRejectingProbes(thrown: unknown): HealthStore {
  const local = new InMemoryHealthStore();
  return {
    read: (modelId) => local.read(modelId),
    write: (modelId, record) => local.write(modelId, record),
    acquireProbe: () => Promise.reject(thrown),
  };
}

/** A chain whose one model's breaker is open and due a probe, on a store that rejects the probe's lease. */
async function chainWithFailingProbe(thrown: unknown = "redis: connection lost") {
  const model = scriptedModel({ modelId: "m", script: [{ error: "overloaded" }] });
  const chat = createFallback({
    models: [{ model, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 1 } }],
    healthStore: storeRejectingProbes(thrown),
  });
  await chat.generate(request).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const failures: FailureEvent[] = [];
  const starts: string[] = [];
  chat.on("requestStart", (event) => starts.push(event.requestId));
  chat.on("failure", (event) => failures.push(event));
  return { chat, failures, starts };
}

describe("a request that fails with something other than an Error", () => {
  it("generate: the caller receives the value as thrown; failure is emitted once, with an Error whose cause it is", async () => {
    const { chat, failures, starts } = await chainWithFailingProbe();
    const thrown = await chat.generate(request).then(
      () => "resolved",
      (error: unknown) => error,
    );
    expect(thrown).toBe("redis: connection lost");
    expect(failures).toHaveLength(1);
    expect(failures[0]?.requestId).toBe(starts[0]);
    expect(failures[0]?.error).toBeInstanceOf(Error);
    expect(failures[0]?.error.cause).toBe("redis: connection lost");
    expect(failures[0]?.error.message).toContain("redis: connection lost");
  });

  it("stream: the same, for the stream's result", async () => {
    const { chat, failures } = await chainWithFailingProbe();
    const stream = chat.stream(request);
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toBe("redis: connection lost");
    await expect(stream.result).rejects.toBe("redis: connection lost");
    expect(failures).toHaveLength(1);
    expect(failures[0]?.error.cause).toBe("redis: connection lost");
  });

  it("a value without a usable toString is still described", async () => {
    const odd = Object.create(null) as object;
    const { chat, failures } = await chainWithFailingProbe(odd);
    await expect(chat.generate(request)).rejects.toBe(odd);
    expect(failures[0]?.error.message).toContain("[object Object]");
    expect(failures[0]?.error.cause).toBe(odd);
  });
});
