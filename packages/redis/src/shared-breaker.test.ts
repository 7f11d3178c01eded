import { describe, expect, it } from "vitest";
import { redisServerAvailable } from "./test-support/redis-server.ts";
import { closed, nextEvent, opened, primaryId, useRedisFixture, within } from "./test-support/store-fixture.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };

describe.runIf(redisServerAvailable())("a breaker shared through Redis, counted per replica", () => {
  const redis = useRedisFixture();

  it("a breaker that closes starts counting from zero in every replica: one failure after the fleet recovered does not re-open it", async () => {
    const breaker = { consecutiveFailures: 3, halfOpenAfterMs: 300 };
    let primaryBack = false;
    const a = redis.replica(
      "a",
      { probeGraceMs: 0 },
      { breaker, primary: () => (primaryBack ? { text: "back" } : { error: "overloaded", status: 529 }) },
    );
    const b = redis.replica("b", { probeGraceMs: 0 }, { breaker });
    await Promise.all([a.store.ready(), b.store.ready()]);

    // b counts two failures of its own: one short of its threshold.
    await b.chat.generate(request);
    await b.chat.generate(request);
    expect(b.chat.health()[0]).toMatchObject({ breaker: "closed", recentFailures: 2 });

    // a opens the breaker for the fleet…
    const openInB = nextEvent(b.chat, opened);
    for (let i = 0; i < 3; i++) await a.chat.generate(request);
    await within(openInB, 2_000, "b hears of the open breaker");

    // …and a's probe closes it for the fleet.
    primaryBack = true;
    const reopenAt = a.chat.health()[0]?.reopenAt ?? Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, reopenAt - Date.now()) + 10)); // the breaker's own interval
    const closedInB = nextEvent(b.chat, closed);
    const probe = await a.chat.generate(request);
    expect(probe.model).toBe("scripted:primary");
    expect(probe.attempts[0]?.probe).toBe(true);
    await within(closedInB, 2_000, "b hears of the closed breaker");

    // One new failure on b is one failure, not the third of a stale count.
    const after = await b.chat.generate(request);
    expect(after.attempts[0]).toMatchObject({ model: "scripted:primary", outcome: "failure" });
    expect(b.chat.health()[0]).toMatchObject({ breaker: "closed" });
    expect(a.chat.health()[0]).toMatchObject({ breaker: "closed" });
    expect(await redis.withAdmin((admin) => admin.exists(redis.keyOf(primaryId)))).toBe(0);
  });
});
