import { scriptedModel } from "@understudy/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { halfOpenIntervalMs, resolveHalfOpen } from "../config/model-settings.ts";
import type { BreakerOptions } from "../config/options.ts";
import { createFallback, InMemoryHealthStore, policyDefaults } from "../index.ts";
import type { ModelHealthRecord } from "./health-store.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };
const second = 1_000;
const minute = 60 * second;

beforeEach(() => {
  vi.useFakeTimers();
});

/**
 * A primary that is down until `recover()` and a backup that always answers,
 * with steady traffic: one request every `everyMs`. Each open is recorded as
 * its interval (`reopenAt` minus the instant it opened), each probe as the
 * instant it went.
 */
function outage(breaker: BreakerOptions, options: { healthStore?: InMemoryHealthStore } = {}) {
  let down = true;
  const primary = scriptedModel({ modelId: "primary", script: () => (down ? { error: "server" } : {}) });
  const backup = scriptedModel({ modelId: "backup" });
  const chat = createFallback({
    models: [{ model: primary, retry: { maxAttempts: 1 }, breaker }, { model: backup }],
    ...options,
  });
  const intervals: number[] = [];
  const probes: number[] = [];
  const closes: number[] = [];
  chat.on("breakerOpen", (event) => intervals.push((event.reopenAt ?? Number.NaN) - Date.now()));
  chat.on("breakerHalfOpen", () => probes.push(Date.now()));
  chat.on("breakerClose", () => closes.push(Date.now()));
  return {
    chat,
    primary,
    intervals,
    probes,
    closes,
    recover: () => {
      down = false;
    },
    fail: () => {
      down = true;
    },
    /** Sends a request every `everyMs` for `ms`; resolves the model that answered the last one. */
    async traffic(ms: number, everyMs = 100): Promise<string | undefined> {
      let last: string | undefined;
      for (let elapsed = 0; elapsed < ms; elapsed += everyMs) {
        last = (await chat.generate(request)).model;
        await vi.advanceTimersByTimeAsync(everyMs);
      }
      return last;
    },
  };
}

describe("adaptive half-open interval (the default)", () => {
  it("is 2 s doubling to 60 s, in policyDefaults", () => {
    expect(policyDefaults.halfOpenAfterMs).toEqual({ initialMs: 2_000, maxMs: 60_000, multiplier: 2 });
  });

  it("probes a provider that came back within about 2 s of the breaker opening, not 30 s", async () => {
    const run = outage({ consecutiveFailures: 1 });
    await run.chat.generate(request); // the failure that opens it
    const openedAt = Date.now();
    expect(run.intervals).toEqual([2 * second]);
    run.recover();
    const answeredBy = await run.traffic(3 * second);
    expect(run.probes).toHaveLength(1);
    expect((run.probes[0] ?? 0) - openedAt).toBeGreaterThanOrEqual(2 * second);
    expect((run.probes[0] ?? 0) - openedAt).toBeLessThanOrEqual(2 * second + 100);
    expect(run.closes).toHaveLength(1);
    expect(answeredBy).toBe("scripted:primary");
    expect(run.chat.health()[0]?.breaker).toBe("closed");
  });

  it("backs off 2, 4, 8, 16, 32 s then every 60 s while probes keep failing: a 10-minute outage costs 13 probes", async () => {
    const run = outage({ consecutiveFailures: 1 });
    await run.traffic(10 * minute, 500);
    expect(run.intervals.slice(0, 8)).toEqual([2, 4, 8, 16, 32, 60, 60, 60].map((s) => s * second));
    // Probes at 2, 6, 14, 30, 62 s, then each 60 s: 122, 182, … 542 s. A fixed 30 s would have sent 20.
    expect(run.probes).toHaveLength(13);
    expect(run.primary.calls).toHaveLength(14); // the opening failure and the probes; nothing else reached it
    expect(run.chat.health()[0]).toMatchObject({ breaker: "open" });
  });

  it("a probe that succeeds closes the breaker and resets the backoff: the next outage starts at 2 s again", async () => {
    const run = outage({ consecutiveFailures: 1 });
    await run.traffic(40 * second, 500); // opens, then probes fail at 2, 6, 14, 30 s
    expect(run.intervals).toEqual([2, 4, 8, 16, 32].map((s) => s * second));
    run.recover();
    await run.traffic(40 * second, 500); // the probe at 62 s closes it
    expect(run.closes).toHaveLength(1);
    expect(run.chat.health()[0]?.breaker).toBe("closed");

    run.fail();
    await run.traffic(8 * second, 500);
    expect(run.intervals.slice(5)).toEqual([2, 4, 8].map((s) => s * second));
  });

  it("takes its own bounds and factor; each field falls back to its default", async () => {
    const run = outage({ consecutiveFailures: 1, halfOpenAfterMs: { initialMs: 1_000, maxMs: 5_000, multiplier: 3 } });
    await run.traffic(30 * second);
    expect(run.intervals.slice(0, 5)).toEqual([1_000, 3_000, 5_000, 5_000, 5_000]);

    const defaultsElse = outage({ failureRate: 0.5, windowMs: 10_000, minimumRps: 1, halfOpenAfterMs: { maxMs: 10_000 } });
    await defaultsElse.traffic(40 * second);
    expect(defaultsElse.intervals.slice(0, 4)).toEqual([2_000, 4_000, 8_000, 10_000]);
  });

  it("reads the run of failed probes from the store, so a store another process wrote to sets the next interval", async () => {
    const healthStore = new InMemoryHealthStore();
    const run = outage({ consecutiveFailures: 1 }, { healthStore });
    await run.chat.generate(request);
    // Another process's probes have failed three times meanwhile: this one's is the fourth, so 2 s × 2⁴.
    const record = healthStore.read("scripted:primary") as ModelHealthRecord;
    healthStore.write("scripted:primary", { ...record, probeFailures: 3 });
    await run.traffic(3 * second);
    expect(run.intervals).toEqual([2 * second, 32 * second]);
    expect(healthStore.read("scripted:primary")?.probeFailures).toBe(4);
  });

  it("a run of failed probes that is not a whole number ≥ 0 (a custom store's bug) counts as none", async () => {
    for (const bogus of [Number.NaN, -3, 1.5, Number.POSITIVE_INFINITY]) {
      const healthStore = new InMemoryHealthStore();
      const run = outage({ consecutiveFailures: 1 }, { healthStore });
      await run.chat.generate(request);
      const record = healthStore.read("scripted:primary") as ModelHealthRecord;
      healthStore.write("scripted:primary", { ...record, probeFailures: bogus });
      await run.traffic(3 * second);
      expect(run.intervals).toEqual([2 * second, 4 * second]);
    }
  });

  it("a closed breaker's record carries no run of failed probes", async () => {
    const healthStore = new InMemoryHealthStore();
    const run = outage({ consecutiveFailures: 1 }, { healthStore });
    await run.traffic(10 * second, 500);
    expect(healthStore.read("scripted:primary")?.probeFailures).toBe(2);
    run.recover();
    await run.traffic(10 * second, 500);
    expect(healthStore.read("scripted:primary")).not.toHaveProperty("probeFailures");
  });
});

describe("fixed half-open interval (a number)", () => {
  it("stays the same after every failed probe, as before", async () => {
    const run = outage({ consecutiveFailures: 1, halfOpenAfterMs: 30_000 });
    await run.traffic(10 * minute, 500);
    expect(new Set(run.intervals)).toEqual(new Set([30_000]));
    expect(run.probes).toHaveLength(19); // at 30, 60, … 570 s
  });
});

describe("halfOpenIntervalMs", () => {
  const adaptive = resolveHalfOpen(undefined);

  it("grows by the factor per failed probe up to the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((n) => halfOpenIntervalMs(adaptive, n))).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it("is the cap, never NaN or Infinity, after any number of failures", () => {
    expect(halfOpenIntervalMs(adaptive, 1e6)).toBe(60_000);
    expect(halfOpenIntervalMs(adaptive, Number.MAX_SAFE_INTEGER)).toBe(60_000);
    expect(halfOpenIntervalMs(resolveHalfOpen({ multiplier: 1 }), Number.MAX_SAFE_INTEGER)).toBe(2_000);
  });

  it("a number is fixed; fractions round up to whole ms", () => {
    expect(resolveHalfOpen(30_000)).toEqual({ initialMs: 30_000, maxMs: 30_000, multiplier: 1 });
    expect(halfOpenIntervalMs(resolveHalfOpen(1_500.2), 7)).toBe(1_501);
    expect(halfOpenIntervalMs(resolveHalfOpen({ initialMs: 100, multiplier: 1.5 }), 1)).toBe(150);
  });
});
