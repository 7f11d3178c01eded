import type { HealthStoreEvent } from "@understudy/core";
import { describe, expect, it } from "vitest";
import { decodeRecord } from "./health-codec.ts";
import { redisServerAvailable } from "./test-support/redis-server.ts";
import { closed, nextEvent, primaryId, type TestReplica, useRedisFixture, within } from "./test-support/store-fixture.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };

/** Waits, for real, until `at` (epoch ms) has passed. */
async function until(at: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now()) + 10));
}

/** A `change` event that (re)opens the breaker after `failures` failed probes. */
const reopenedAfter =
  (failures: number) =>
  (event: HealthStoreEvent): boolean =>
    event.type === "change" && event.record.breaker === "open" && (event.record.probeFailures ?? 0) === failures;

/**
 * Each time the replica's own breaker opened, how long it set it open for,
 * as the nearest of the intervals this test uses: the event comes a moment
 * after the failure whose instant `reopenAt` counts from.
 */
function intervalsOf(replica: TestReplica): number[] {
  const intervals: number[] = [];
  const nearest = (ms: number) => [200, 400, 800, 1_600].reduce((a, b) => (Math.abs(b - ms) < Math.abs(a - ms) ? b : a));
  replica.chat.on("breakerOpen", (event) => intervals.push(nearest((event.reopenAt ?? Number.NaN) - Date.now())));
  return intervals;
}

describe.runIf(redisServerAvailable())("an adaptive half-open interval shared through Redis", () => {
  const redis = useRedisFixture();

  it("one replica's failed probe backs off the other's next probe; a probe that succeeds resets the backoff for both", async () => {
    const breaker = { consecutiveFailures: 2, halfOpenAfterMs: { initialMs: 200, maxMs: 2_000, multiplier: 2 } };
    let primaryBack = false;
    const primary = () => (primaryBack ? { text: "back" } : { error: "overloaded" as const, status: 529 });
    const a = redis.replica("a", { probeGraceMs: 0 }, { breaker, primary });
    const b = redis.replica("b", { probeGraceMs: 0 }, { breaker, primary });
    await Promise.all([a.store.ready(), b.store.ready()]);
    const [intervalsA, intervalsB] = [intervalsOf(a), intervalsOf(b)];
    const stored = async () =>
      decodeRecord(await redis.withAdmin((admin) => admin.get(redis.keyOf(primaryId))), {
        now: Date.now(),
        horizonMs: 86_400_000,
      });

    // a opens the breaker for the fleet, for the shortest interval.
    const openInB = nextEvent(b.chat, reopenedAfter(0));
    await a.chat.generate(request);
    await a.chat.generate(request);
    await within(openInB, 2_000, "b hears of the open breaker");
    expect(intervalsA).toEqual([200]);

    // a's probe fails: open again for twice as long, and b holds off for that long too.
    await until(a.chat.health()[0]?.reopenAt ?? 0);
    const backedOffInB = nextEvent(b.chat, reopenedAfter(1));
    expect((await a.chat.generate(request)).attempts[0]).toMatchObject({ probe: true, outcome: "failure" });
    await within(backedOffInB, 2_000, "b hears of the failed probe");
    expect(intervalsA).toEqual([200, 400]);
    const reopenAt = a.chat.health()[0]?.reopenAt ?? 0;
    expect(b.chat.health()[0]).toMatchObject({ breaker: "open", reopenAt });
    const skipped = await b.chat.generate(request);
    expect(skipped.attempts[0]).toMatchObject({ outcome: "skipped", skipReason: "open" });
    expect(b.primary.calls).toHaveLength(0);

    // b's probe, when it is due, is the second failure in a row: the count survived Redis's probe script.
    await until(reopenAt);
    const backedOffInA = nextEvent(a.chat, reopenedAfter(2));
    expect((await b.chat.generate(request)).attempts[0]).toMatchObject({ probe: true, outcome: "failure" });
    await within(backedOffInA, 2_000, "a hears of b's failed probe");
    expect(intervalsB).toEqual([800]);
    expect(await stored()).toMatchObject({ breaker: "open", probeFailures: 2 });

    // The provider is back: the next probe closes the breaker for both and the key goes.
    primaryBack = true;
    await until(b.chat.health()[0]?.reopenAt ?? 0);
    const closedInB = nextEvent(b.chat, closed);
    expect((await a.chat.generate(request)).attempts[0]).toMatchObject({ probe: true, outcome: "success" });
    await within(closedInB, 2_000, "b hears of the closed breaker");
    expect(await redis.withAdmin((admin) => admin.exists(redis.keyOf(primaryId)))).toBe(0);

    // A new outage starts at the shortest interval again.
    primaryBack = false;
    const openAgain = nextEvent(a.chat, reopenedAfter(0));
    await b.chat.generate(request);
    await b.chat.generate(request);
    await within(openAgain, 2_000, "a hears of the new outage");
    expect(intervalsB).toEqual([800, 200]);
  });
});
