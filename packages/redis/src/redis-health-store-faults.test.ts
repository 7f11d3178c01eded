import type { HealthStoreEvent } from "@understudy/core";
import { healthRecordFormat } from "@understudy/core/health-store";
import { describe, expect, it } from "vitest";
import { redisServerAvailable } from "./test-support/redis-server.ts";
import {
  nextEvent,
  nextStoreEvent,
  opened,
  primaryId,
  type TestReplica,
  useRedisFixture,
  waitUntil,
  within,
} from "./test-support/store-fixture.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };
const slowBreaker = { breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } };
const year2100 = Date.UTC(2100, 0, 1);

const degradedEvents = (replica: TestReplica): HealthStoreEvent[] => replica.events.filter((event) => event.type === "degraded");

/** Opens the primary's breaker in `replica` (two failures), and resolves once `other` has heard of it. */
async function openBreaker(replica: TestReplica, other: TestReplica): Promise<void> {
  const propagated = nextEvent(other.chat, opened);
  await replica.chat.generate(request);
  await replica.chat.generate(request);
  await within(propagated, 2_000, `${other.store.processId} hears of the open breaker`);
}

describe.runIf(redisServerAvailable())("RedisHealthStore: a command error never degrades sharing for good", () => {
  const redis = useRedisFixture();
  const { replica, withAdmin } = redis;
  const storedRecord = async (): Promise<Record<string, unknown>> =>
    JSON.parse((await withAdmin((admin) => admin.get(redis.keyOf(primaryId)))) ?? "null");

  it("fractional times (a reopenAt, a probe lease) are shared: every time and TTL reaches Redis as whole ms", async () => {
    // A HealthStore takes records from any engine; core rounds its own durations, the store must not depend on it.
    const a = redis.store("a", { probeGraceMs: 0 });
    const b = redis.store("b", { probeGraceMs: 0 });
    await Promise.all([a.ready(), b.ready()]);
    const problems: HealthStoreEvent[] = [];
    for (const store of [a, b]) store.subscribe((event) => event.type !== "change" && problems.push(event));

    const reopenAt = Date.now() + 100.5;
    const reachedB = nextStoreEvent(b, opened);
    a.write(primaryId, { breaker: "open", reopenAt, probeLeaseUntil: 0, cooldownUntil: 0, cooldownReason: undefined });
    await within(reachedB, 2_000, "b hears of the open breaker");
    const stored = await storedRecord();
    expect(stored).toMatchObject({ breaker: "open", reopenAt: Math.ceil(reopenAt) });

    expect(await b.acquireProbe(primaryId, Math.ceil(reopenAt) + 0.25, 1500.5)).toBe(true);
    expect(await storedRecord()).toMatchObject({ breaker: "half_open", probeLeaseUntil: Math.ceil(reopenAt) + 1 + 1501 });
    expect(problems).toEqual([]);
  });

  it.each([
    ["text that is not JSON", "{not json"],
    ["JSON that is not a record", "[1,2]"],
    ["a bare null", "null"],
    ["a record whose time is not a number", '{"breaker":"open","reopenAt":"soon","probeLeaseUntil":0,"cooldownUntil":0}'],
  ])("%s in a model's key reads as no record: taking the probe deletes it, and sharing goes on", async (_, garbage) => {
    const a = replica("a");
    const b = replica("b");
    await Promise.all([a.store.ready(), b.store.ready()]);
    await withAdmin((admin) => admin.set(redis.keyOf(primaryId), garbage));

    expect(await a.store.acquireProbe(primaryId, Date.now(), 5_000)).toBe(false);
    expect(await withAdmin((admin) => admin.exists(redis.keyOf(primaryId)))).toBe(0);
    await openBreaker(a, b);
    expect(degradedEvents(a)).toEqual([]);
  });

  it("a stored reopenAt of 1e300 and a cooldown until 2100 bench the model no longer than the horizon, and are repaired in Redis", async () => {
    const horizonMs = 60_000;
    const bogus = { breaker: "open", reopenAt: 1e300, probeLeaseUntil: 0, cooldownUntil: year2100, cooldownReason: "quota" };
    await withAdmin((admin) =>
      admin.multi().set(redis.keyOf(primaryId), JSON.stringify(bogus)).sadd(redis.modelSetKey(), primaryId).exec(),
    );
    const startedAt = Date.now();
    const a = replica("a", { refreshMs: 50, maxRecordHorizonMs: horizonMs, recordTtlMarginMs: 1_000 });
    await a.store.ready();

    await waitUntil(async () => a.store.read(primaryId) !== undefined);
    const seen = a.store.read(primaryId);
    expect(seen?.reopenAt).toBeLessThanOrEqual(Date.now() + horizonMs);
    expect(seen?.cooldownUntil).toBeLessThanOrEqual(Date.now() + horizonMs);
    expect((await a.chat.generate(request)).attempts[0]).toMatchObject({ outcome: "skipped" });

    // Repaired where everyone reads it: a replica started later, or after a restart, sees the horizon, not 2100.
    await waitUntil(async () => (await storedRecord()).reopenAt !== 1e300);
    const repaired = await storedRecord();
    expect(repaired.reopenAt).toBeGreaterThanOrEqual(startedAt + horizonMs);
    expect(repaired.reopenAt).toBeLessThanOrEqual(Date.now() + horizonMs);
    expect(repaired.cooldownUntil).toBeLessThanOrEqual(Date.now() + horizonMs);
    expect(await withAdmin((admin) => admin.pttl(redis.keyOf(primaryId)))).toBeLessThanOrEqual(horizonMs + 1_000);

    expect(await a.store.acquireProbe(primaryId, Date.now(), 5_000)).toBe(false);
    expect(degradedEvents(a)).toEqual([]);
  });

  it("a message on the channel is checked like a key: a bad record is dropped, a far-off cooldown is clamped", async () => {
    const horizonMs = 60_000;
    const a = redis.store("a", { maxRecordHorizonMs: horizonMs });
    await a.ready();
    const announce = (record: unknown) =>
      withAdmin((admin) => admin.publish(redis.channel(), JSON.stringify({ modelId: primaryId, from: "rogue", record })));
    const open = { breaker: "open", reopenAt: Date.now() + 5_000, probeLeaseUntil: 0, cooldownUntil: 0 };
    const first = nextStoreEvent(a, (event) => event.type === "change");
    await announce(open);
    await within(first, 2_000, "the first message arrives");

    const changes: HealthStoreEvent[] = [];
    a.subscribe((event) => changes.push(event));
    const last = nextStoreEvent(a, (event) => event.type === "change" && event.record.cooldownReason === "quota");
    await announce({ ...open, breaker: "ajar" });
    await announce({ ...open, cooldownUntil: year2100, cooldownReason: "quota" });
    await within(last, 2_000, "the last message arrives");

    expect(changes).toHaveLength(1);
    expect(a.read(primaryId)?.breaker).toBe("open");
    expect(a.read(primaryId)?.cooldownUntil).toBeLessThanOrEqual(Date.now() + horizonMs);
  });

  it("a command Redis refuses (out of memory) degrades sharing with its real cause, and the refresh restores it once writes pass", async () => {
    const a = replica("a", { refreshMs: 100 }, slowBreaker);
    const b = replica("b", { refreshMs: 100 }, slowBreaker);
    await Promise.all([a.store.ready(), b.store.ready()]);

    const degraded = nextEvent(a.chat, (event) => event.type === "degraded");
    await withAdmin((admin) => admin.config("SET", "maxmemory", "1"));
    try {
      await a.chat.generate(request);
      await a.chat.generate(request);
      const event = await within(degraded, 2_000, "the failed write degrades the store");
      expect(event).toMatchObject({ type: "degraded", message: expect.stringMatching(/^Redis command failed: OOM /) });
      expect(a.chat.health()[0]?.breaker).toBe("open");
    } finally {
      await withAdmin((admin) => admin.config("SET", "maxmemory", "0"));
    }

    const restored = nextEvent(a.chat, (event) => event.type === "restored");
    const reachedB = nextEvent(b.chat, opened);
    await within(restored, 2_000, "the refresh restores sharing");
    // The breaker a opened while its write failed is written back, and reaches b.
    await within(reachedB, 2_000, "b hears of the open breaker");
    expect(degradedEvents(a)).toHaveLength(1);
  });
});

describe.runIf(redisServerAvailable())("RedisHealthStore: the versioned record format in Redis", () => {
  const redis = useRedisFixture();

  it("taking the probe in Redis keeps the record's format, latency estimate and run of failed probes", async () => {
    const a = redis.store("a");
    await a.ready();
    const latency = { firstContentP50Ms: 400, firstContentP95Ms: 2_000, samples: 32, updatedAt: Date.now() };
    const reopenAt = Date.now() - 1;
    a.write(primaryId, {
      breaker: "open",
      reopenAt,
      probeLeaseUntil: 0,
      cooldownUntil: 0,
      cooldownReason: undefined,
      latency,
      probeFailures: 3,
    });
    await waitUntil(async () => (await redis.withAdmin((admin) => admin.get(redis.keyOf(primaryId)))) !== null, 2_000);
    const b = redis.store("b");
    await b.ready();
    expect(await b.acquireProbe(primaryId, Date.now(), 5_000)).toBe(true);
    const stored = JSON.parse((await redis.withAdmin((admin) => admin.get(redis.keyOf(primaryId)))) ?? "null");
    expect(stored).toMatchObject({ breaker: "half_open", format: healthRecordFormat, latency, probeFailures: 3 });
  });

  it.each([
    ["a string", '"many"'],
    ["a negative count", "-1"],
    ["a fraction", "1.5"],
    ["a huge number", "1e300"],
  ])("taking the probe in Redis drops a run of failed probes that is %s, and keeps the record", async (_, probeFailures) => {
    const reopenAt = Date.now() - 1;
    const raw = `{"format":2,"breaker":"open","reopenAt":${reopenAt},"probeLeaseUntil":0,"cooldownUntil":0,"probeFailures":${probeFailures}}`;
    await redis.withAdmin((admin) => admin.set(redis.keyOf(primaryId), raw, "PX", 60_000));
    const b = redis.store("b");
    await b.ready();
    expect(await b.acquireProbe(primaryId, Date.now(), 5_000)).toBe(true);
    const stored = JSON.parse((await redis.withAdmin((admin) => admin.get(redis.keyOf(primaryId)))) ?? "null");
    expect(stored).toMatchObject({ breaker: "half_open" });
    expect(stored).not.toHaveProperty("probeFailures");
  });
});
