import { createFallback, type Fallback, type HealthStoreEvent } from "@understudy/core";
import { type ScriptStep, scriptedModel } from "@understudy/testing";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisHealthStore, type RedisHealthStoreOptions } from "./redis-health-store.ts";
import { redisServerAvailable, startTestRedis, type TestRedis } from "./test-support/redis-server.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };
let redis: TestRedis;
let prefix = 0;
const open: { close(): unknown }[] = [];

/** A replica's pipeline: a dead primary, a healthy backup, health in Redis. */
function replica(
  name: string,
  options: Partial<RedisHealthStoreOptions> = {},
  primaryAnswers: ScriptStep = { error: "overloaded", status: 529 },
  halfOpenAfterMs = 300,
) {
  const store = new RedisHealthStore({ redis: redis.url, keyPrefix: `test${prefix}`, processId: name, ...options });
  const primary = scriptedModel({ modelId: "primary", default: primaryAnswers });
  const backup = scriptedModel({ modelId: "backup" });
  const chat = createFallback({
    models: [
      { model: primary, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs } },
      { model: backup },
    ],
    healthStore: store,
  });
  const events: HealthStoreEvent[] = [];
  chat.on("healthStore", (event) => events.push(event));
  open.push(chat, store);
  return { store, primary, backup, chat, events };
}

/** Resolves at the store event that `matches`; the way to wait for propagation without sleeping. */
function nextEvent(chat: Fallback, matches: (event: HealthStoreEvent) => boolean): Promise<HealthStoreEvent> {
  return new Promise((resolve) => {
    const listener = (event: HealthStoreEvent) => {
      if (!matches(event)) return;
      chat.off("healthStore", listener);
      resolve(event);
    };
    chat.on("healthStore", listener);
  });
}

const opened = (event: HealthStoreEvent) => event.type === "change" && event.record.breaker === "open";

describe.runIf(redisServerAvailable())("RedisHealthStore against a real redis-server", () => {
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis.kill();
  });
  afterEach(async () => {
    for (const resource of open.splice(0)) await resource.close();
    prefix++;
  });

  it("a breaker opened in one pipeline reaches the other, which then never calls the dead primary", async () => {
    const a = replica("a");
    const b = replica("b");
    await Promise.all([a.store.ready(), b.store.ready()]);
    const propagated = nextEvent(b.chat, opened);
    await a.chat.generate(request);
    await a.chat.generate(request);
    expect(a.chat.health()[0]?.breaker).toBe("open");

    await propagated;
    const result = await b.chat.generate(request);
    expect(result.model).toBe("scripted:backup");
    expect(b.primary.calls).toHaveLength(0);
    expect(result.attempts[0]).toMatchObject({ outcome: "skipped", skipReason: "open" });
  });

  it("lets exactly one process take the half-open probe, and the opener only after the others had their chance", async () => {
    const a = replica("a", { probeGraceMs: 10_000 });
    const b = replica("b", { probeGraceMs: 10_000 });
    const c = replica("c", { probeGraceMs: 10_000 });
    await Promise.all([a.store.ready(), b.store.ready(), c.store.ready()]);
    const reachedAll = Promise.all([nextEvent(b.chat, opened), nextEvent(c.chat, opened)]);
    await a.chat.generate(request);
    await a.chat.generate(request);
    await reachedAll;
    const reopenAt = a.chat.health()[0]?.reopenAt ?? 0;

    const after = reopenAt + 1;
    const taken = await Promise.all([a, b, c].map((r) => r.store.acquireProbe("scripted:primary", after, 5_000)));
    expect(taken).toEqual([false, true, false]);
  });

  it("a successful probe closes the breaker in every process and deletes the key", async () => {
    const a = replica("a", { probeGraceMs: 0 });
    const b = replica("b", { probeGraceMs: 0 }, { text: "back" });
    await Promise.all([a.store.ready(), b.store.ready()]);
    const propagated = nextEvent(b.chat, opened);
    await a.chat.generate(request);
    await a.chat.generate(request);
    await propagated;

    const closedInA = nextEvent(a.chat, (event) => event.type === "change" && event.record.breaker === "closed");
    await new Promise((resolve) => setTimeout(resolve, 320)); // halfOpenAfterMs: the one real wait here
    const probe = await b.chat.generate(request);
    expect(probe.model).toBe("scripted:primary");
    expect(probe.attempts[0]?.probe).toBe(true);

    await closedInA;
    expect(a.chat.health()[0]?.breaker).toBe("closed");
    expect(await withAdmin((admin) => admin.exists(`test${prefix}:health:scripted:primary`))).toBe(0);
  });

  it("keys carry a TTL past their last instant, so nothing lingers", async () => {
    const a = replica("a", { recordTtlMarginMs: 200 });
    await a.store.ready();
    await a.chat.generate(request);
    await a.chat.generate(request);
    const key = `test${prefix}:health:scripted:primary`;
    await waitUntil(async () => (await withAdmin((admin) => admin.exists(key))) === 1);
    const ttl = await withAdmin((admin) => admin.pttl(key));
    expect(ttl).toBeGreaterThan(200);
    expect(ttl).toBeLessThanOrEqual(300 + 200);
    await waitUntil(async () => (await withAdmin((admin) => admin.exists(key))) === 0, 2_000);
  });

  it("a Redis that does not answer holds a probe lease back by probeTimeoutMs at most, then local health decides", async () => {
    const a = replica("a", { probeTimeoutMs: 100, probeGraceMs: 0 });
    await a.store.ready();
    await a.chat.generate(request);
    await a.chat.generate(request);
    const reopenAt = a.chat.health()[0]?.reopenAt ?? 0;
    const blocked = withAdmin((admin) => admin.call("DEBUG", "SLEEP", "0.6")); // the server stalls for 600 ms
    await new Promise((resolve) => setTimeout(resolve, 20));

    const started = performance.now();
    const taken = await a.store.acquireProbe("scripted:primary", reopenAt + 1, 5_000);
    const waitedMs = performance.now() - started;
    expect(taken).toBe(true);
    expect(waitedMs).toBeGreaterThanOrEqual(90);
    expect(waitedMs).toBeLessThan(450); // well under the stall: the request did not wait for Redis
    await blocked;
  });

  it("Redis killed mid-run: requests keep flowing on local health; Redis back: sharing resumes", async () => {
    const a = replica("a", { refreshMs: 100 }, undefined, 60_000);
    const b = replica("b", { refreshMs: 100 }, undefined, 60_000);
    await Promise.all([a.store.ready(), b.store.ready()]);

    const degraded = nextEvent(a.chat, (event) => event.type === "degraded");
    await redis.kill();
    await degraded;
    await a.chat.generate(request);
    const localOpen = await a.chat.generate(request);
    expect(localOpen.model).toBe("scripted:backup");
    expect(a.chat.health()[0]?.breaker).toBe("open");
    expect((await a.chat.generate(request)).attempts[0]).toMatchObject({ skipReason: "open" });

    const restored = Promise.all([
      nextEvent(a.chat, (e) => e.type === "restored"),
      nextEvent(b.chat, (e) => e.type === "restored"),
    ]);
    const reachedB = nextEvent(b.chat, opened);
    await redis.restart();
    await restored;
    // a's open breaker, kept locally through the outage, is written back and reaches b.
    await reachedB;
    expect(b.chat.health()[0]?.breaker).toBe("open");
    await b.chat.generate(request);
    expect(b.primary.calls).toHaveLength(0);
  });
});

/** Runs `use` on a fresh connection, closed before it returns (a test leaves no socket behind). */
async function withAdmin<T>(use: (admin: Redis) => Promise<T>): Promise<T> {
  const admin = new Redis(redis.url);
  try {
    return await use(admin);
  } finally {
    await admin.quit();
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 1_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
