import { describe, expect, it } from "vitest";
import { redisServerAvailable } from "./test-support/redis-server.ts";
import {
  nextEvent,
  nextStoreEvent,
  opened,
  primaryId,
  useRedisFixture,
  waitUntil,
  within,
} from "./test-support/store-fixture.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };

describe.runIf(redisServerAvailable())("RedisHealthStore against a real redis-server", () => {
  const redis = useRedisFixture();
  const { replica, withAdmin } = redis;

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
    const taken = await Promise.all([a, b, c].map((r) => r.store.acquireProbe(primaryId, after, 5_000)));
    expect(taken).toEqual([false, true, false]);
  });

  it("a successful probe closes the breaker in every process and deletes the key", async () => {
    const a = replica("a", { probeGraceMs: 0 });
    const b = replica("b", { probeGraceMs: 0 }, { primary: { text: "back" } });
    await Promise.all([a.store.ready(), b.store.ready()]);
    const propagated = nextEvent(b.chat, opened);
    await a.chat.generate(request);
    await a.chat.generate(request);
    await propagated;

    const closedInA = nextEvent(a.chat, (event) => event.type === "change" && event.record.breaker === "closed");
    await new Promise((resolve) => setTimeout(resolve, 320)); // halfOpenAfterMs: the one real wait here
    const probe = await b.chat.generate(request);
    expect(probe.model).toBe(primaryId);
    expect(probe.attempts[0]?.probe).toBe(true);

    await closedInA;
    expect(a.chat.health()[0]?.breaker).toBe("closed");
    expect(await withAdmin((admin) => admin.exists(redis.keyOf(primaryId)))).toBe(0);
  });

  it("keys carry a TTL past their last instant, so nothing lingers", async () => {
    const a = replica("a", { recordTtlMarginMs: 200 });
    await a.store.ready();
    await a.chat.generate(request);
    await a.chat.generate(request);
    const key = redis.keyOf(primaryId);
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
    await withAdmin(async (admin) => {
      // Connected first: on a busy machine, opening the connection alone can outlast a fixed wait.
      await admin.ping();
      const blocked = admin.call("DEBUG", "SLEEP", "0.6"); // the server stalls for 600 ms
      await new Promise((resolve) => setTimeout(resolve, 20));

      const started = performance.now();
      const taken = await a.store.acquireProbe(primaryId, reopenAt + 1, 5_000);
      const waitedMs = performance.now() - started;
      expect(taken).toBe(true);
      expect(waitedMs).toBeGreaterThanOrEqual(90);
      expect(waitedMs).toBeLessThan(450); // well under the stall: the request did not wait for Redis
      await blocked;
    });
  });

  it("a probe lease Redis grants after probeTimeoutMs is handed back at once, so another replica can probe", async () => {
    const b = redis.store("b", { probeTimeoutMs: 50, probeGraceMs: 0 });
    const c = redis.store("c", { probeGraceMs: 0 });
    await Promise.all([b.ready(), c.ready()]);
    // An open breaker due for its probe, set behind the stores' backs: b's view knows nothing of it, so
    // once Redis is too slow b decides on local health, and does not probe.
    const now = Date.now();
    const due = { breaker: "open", reopenAt: now - 1, probeLeaseUntil: 0, cooldownUntil: 0, openedBy: "a" };
    await withAdmin((admin) => admin.set(redis.keyOf(primaryId), JSON.stringify(due), "PX", 60_000));
    const handedBack = nextStoreEvent(c, opened);
    await withAdmin((admin) => admin.call("CLIENT", "PAUSE", "300", "WRITE")); // scripts wait 300 ms; reads go on

    const started = performance.now();
    expect(await b.acquireProbe(primaryId, now, 120_000)).toBe(false);
    expect(performance.now() - started).toBeLessThan(250);

    // Redis grants b the lease once the pause ends; b, which is not probing, hands it straight back.
    await within(handedBack, 2_000, "the late lease is handed back");
    const stored = JSON.parse((await withAdmin((admin) => admin.get(redis.keyOf(primaryId)))) ?? "null");
    expect(stored).toMatchObject({ breaker: "open", probeLeaseUntil: 0 });
    expect(stored.reopenAt).toBeLessThanOrEqual(Date.now());
    expect(await c.acquireProbe(primaryId, Date.now(), 5_000)).toBe(true);
  });

  it("Redis killed mid-run: requests keep flowing on local health; Redis back: sharing resumes", async () => {
    const a = replica("a", { refreshMs: 100 }, { breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } });
    const b = replica("b", { refreshMs: 100 }, { breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } });
    await Promise.all([a.store.ready(), b.store.ready()]);

    const degraded = nextEvent(a.chat, (event) => event.type === "degraded");
    await redis.server().kill();
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
    await redis.server().restart();
    await restored;
    // a's open breaker, kept locally through the outage, is written back and reaches b.
    await reachedB;
    expect(b.chat.health()[0]?.breaker).toBe("open");
    await b.chat.generate(request);
    expect(b.primary.calls).toHaveLength(0);
  });
});
