import { createFallback, type Fallback, type HealthStoreEvent } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import type { RedisHealthStore } from "./redis-health-store.ts";
import { redisServerAvailable } from "./test-support/redis-server.ts";
import { nextEvent, useRedisFixture, within } from "./test-support/store-fixture.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };
const latencyOf = (event: HealthStoreEvent): boolean => event.type === "latency" && event.modelId === "scripted:primary";

/**
 * A chain whose primary streams its first token after `delay()` ms and learns
 * its first-token timer (after 5 samples, at least 150 ms, at most `firstTokenMs`).
 */
function chainOn(store: RedisHealthStore, delay: () => number, firstTokenMs = 10_000): Fallback {
  const primary = scriptedModel({ modelId: "primary", script: () => ({ delayMs: delay(), text: "p" }) });
  const backup = scriptedModel({ modelId: "backup", default: { text: "b" } });
  return createFallback({
    models: [
      {
        model: primary,
        retry: { maxAttempts: 1 },
        timeout: { firstTokenMs, learnFirstToken: { minMs: 150, minSamples: 5 } },
      },
      { model: backup },
    ],
    healthStore: store,
  });
}

async function streamed(chat: Fallback) {
  const stream = chat.stream(request);
  for await (const _part of stream) {
    // read to the end
  }
  return stream.result;
}

describe.runIf(redisServerAvailable())("learned latencies shared through Redis", () => {
  const redis = useRedisFixture();

  it("one replica's learned first-token timer reaches the others: live by message, and at start from the kept key", async () => {
    let delay = 5;
    const [storeA, storeB] = [redis.store("a"), redis.store("b")];
    await Promise.all([storeA.ready(), storeB.ready()]);
    const a = chainOn(storeA, () => delay);
    const b = chainOn(storeB, () => delay);
    const heard = nextEvent(b, latencyOf);
    // 20 samples: a shares once.
    for (let i = 0; i < 20; i++) await streamed(a);
    await within(heard, 2_000, "b hears of a's latencies");

    // b never streamed, yet a stall is cut at its learned floor, not at 10 s.
    delay = 60_000;
    const cutInB = await streamed(b);
    expect(cutInB.model).toBe("scripted:backup");
    expect(cutInB.attempts[0]?.message).toMatch(/learned first-token timer \(150 ms\)/);

    // A replica that starts now reads what the fleet learned.
    const storeC = redis.store("c");
    await storeC.ready();
    const c = chainOn(storeC, () => delay);
    await expect.poll(async () => (await storeC.readLatency("scripted:primary"))?.bands.length ?? 0).toBeGreaterThan(0);
    // The chain's own read at its start: one loopback GET, given ample time.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const cutInC = await streamed(c);
    expect(cutInC.attempts[0]?.message).toMatch(/learned first-token timer/);
    for (const chat of [a, b, c]) await chat.close();
  });

  it("latencies published by anyone else are checked: a hostile message is dropped, a broken key is none", async () => {
    const store = redis.store("victim");
    await store.ready();
    const chat = chainOn(store, () => 60_000, 1_000);
    const events: HealthStoreEvent[] = [];
    chat.on("healthStore", (event) => events.push(event));
    const hostile = [
      { modelId: "scripted:primary", from: "x", latency: { bands: "all", sharedAt: 1 } },
      {
        modelId: "scripted:primary",
        from: "x",
        latency: { bands: [{ measure: "firstContent", band: 0, samples: 99, logMean: -50, logVariance: 0 }], sharedAt: 1 },
      },
    ];
    await redis.withAdmin(async (admin) => {
      for (const message of hostile) await admin.publish(redis.channel(), JSON.stringify(message));
      await admin.set(`${redis.prefix()}:latency:scripted:primary`, "{not json");
    });
    expect(await store.readLatency("scripted:primary")).toBeUndefined();
    // The first message holds no latencies; the second's band is dropped, leaving none to learn from.
    const result = await streamedWithin(chat, 5_000);
    expect(result.attempts[0]?.message).toMatch(/within firstTokenMs \(1000 ms\)/);
    expect(
      events
        .filter((event) => event.type === "latency")
        .every((event) => event.type === "latency" && event.latency.bands.length === 0),
    ).toBe(true);
    await chat.close();
  });
});

async function streamedWithin(chat: Fallback, ms: number) {
  return within(streamed(chat), ms, "the stream ends");
}
