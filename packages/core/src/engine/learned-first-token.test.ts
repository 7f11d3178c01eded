import { scriptedModel } from "@understudy/testing";
import fc from "fast-check";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { LatencyTracker, sharedLatencyFrom, zOf } from "../health/latency-tracker.ts";
import { createFallback, type FallbackResult, type FallbackStream } from "../index.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };

beforeEach(() => {
  vi.useFakeTimers();
});

/** A seeded PRNG (mulberry32), so a property's samples are reproducible from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Log-normal samples: a typical latency distribution, `median` ms with a spread of `sigma` in log space. */
function logNormal(next: () => number, median: number, sigma: number): () => number {
  return () => {
    const u = Math.max(next(), 1e-12);
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    return median * Math.exp(sigma * normal);
  };
}

async function streamOnce(chat: ReturnType<typeof createFallback>, advanceMs: number): Promise<FallbackResult> {
  const stream: FallbackStream = chat.stream(request);
  const reading = (async () => {
    for await (const _part of stream) {
      // read to the end
    }
  })();
  await vi.advanceTimersByTimeAsync(advanceMs);
  await reading;
  return stream.result;
}

describe("a learned first-token timer", () => {
  it("converges on a few seconds for a model whose first token takes ~800 ms, and cuts a stall there, not at 20 s", async () => {
    let delay = 800;
    const next = logNormal(random(7), 800, 0.2);
    const primary = scriptedModel({ modelId: "primary", script: () => ({ delayMs: delay, text: "p" }) });
    const backup = scriptedModel({ modelId: "backup", default: { text: "b" } });
    const chat = createFallback({
      models: [{ model: primary, timeout: { learnFirstToken: true } }, { model: backup }],
    });
    for (let i = 0; i < 30; i++) {
      delay = Math.round(next());
      expect((await streamOnce(chat, delay)).model).toBe("scripted:primary");
    }
    delay = 60_000;
    const t0 = Date.now();
    const result = await streamOnce(chat, 20_000);
    expect(result.model).toBe("scripted:backup");
    const cut = result.attempts[0];
    expect(cut).toMatchObject({ kind: "timeout" });
    expect(cut?.message).toMatch(/learned first-token timer \(\d+ ms\)/);
    expect(cut?.durationMs).toBeGreaterThanOrEqual(2_000);
    expect(cut?.durationMs).toBeLessThan(6_000);
    expect(result.durationMs).toBeLessThan(6_000);
    expect(Date.now() - t0).toBe(20_000);
  });

  it("keeps firstTokenMs until minSamples streams were seen", async () => {
    const primary = scriptedModel({
      modelId: "primary",
      script: (call) => (call <= 5 ? { delayMs: 100, text: "p" } : { delayMs: 60_000, text: "p" }),
    });
    const backup = scriptedModel({ modelId: "backup", default: { text: "b" } });
    const chat = createFallback({
      models: [
        { model: primary, timeout: { firstTokenMs: 10_000, learnFirstToken: { minSamples: 10 } }, retry: { maxAttempts: 1 } },
        { model: backup },
      ],
    });
    for (let i = 0; i < 5; i++) await streamOnce(chat, 100);
    const result = await streamOnce(chat, 10_000);
    expect(result.attempts[0]).toMatchObject({ kind: "timeout", durationMs: 10_000 });
    expect(result.attempts[0]?.message).toMatch(/within firstTokenMs \(10000 ms\)/);
  });

  it("never cuts a reasoning model that is slow but normal for itself: its estimate is its own, the ceiling is yours", async () => {
    const next = logNormal(random(11), 60_000, 0.15);
    let delay = 60_000;
    const thinker = scriptedModel({
      modelId: "thinker",
      capabilities: { reasoning: true },
      script: () => ({ delayMs: delay, text: "thought" }),
    });
    const fast = scriptedModel({ modelId: "fast", default: { delayMs: 300, text: "f" } });
    const chat = createFallback({
      models: [
        { model: fast, timeout: { learnFirstToken: true } },
        { model: thinker, timeout: { learnFirstToken: true } },
      ],
    });
    for (let i = 0; i < 25; i++) {
      delay = Math.round(next());
      const result = await (async () => {
        const stream = chat.stream(request, { models: ["scripted:thinker"] });
        const reading = (async () => {
          for await (const _part of stream) {
            // read to the end
          }
        })();
        await vi.advanceTimersByTimeAsync(delay);
        await reading;
        return stream.result;
      })();
      expect(result.model).toBe("scripted:thinker");
    }
    // The slowest of its normal answers (the 99.9th percentile) still comes through.
    delay = Math.round(60_000 * Math.exp(0.15 * 3.09));
    const stream = chat.stream(request, { models: ["scripted:thinker"] });
    const reading = (async () => {
      for await (const _part of stream) {
        // read to the end
      }
    })();
    await vi.advanceTimersByTimeAsync(delay);
    await reading;
    expect((await stream.result).attempts).toHaveLength(1);
  });

  it("learns a new normal: a model that got slower for good is cut a few times, then answers again", async () => {
    let delay = 800;
    const primary = scriptedModel({ modelId: "primary", script: () => ({ delayMs: delay, text: "p" }) });
    const backup = scriptedModel({ modelId: "backup", default: { text: "b" } });
    const chat = createFallback({
      models: [
        { model: primary, timeout: { learnFirstToken: true }, retry: { maxAttempts: 1 }, breaker: false },
        { model: backup },
      ],
    });
    for (let i = 0; i < 25; i++) await streamOnce(chat, delay);
    delay = 9_000;
    const answeredBy: string[] = [];
    for (let i = 0; i < 30; i++) answeredBy.push((await streamOnce(chat, 20_000)).model);
    const cut = answeredBy.filter((model) => model === "scripted:backup").length;
    expect(cut).toBeGreaterThan(0);
    expect(cut).toBeLessThan(15);
    expect(answeredBy.slice(-5)).toEqual(Array(5).fill("scripted:primary"));
  });

  it("learns prompt sizes apart: a timer learned on short prompts does not cut a long prompt", async () => {
    const primary = scriptedModel({
      modelId: "primary",
      script: (_call, asked) => ({ delayMs: JSON.stringify(asked.messages).length > 40_000 ? 9_000 : 300, text: "p" }),
    });
    const backup = scriptedModel({ modelId: "backup", default: { text: "b" } });
    const chat = createFallback({
      models: [{ model: primary, timeout: { learnFirstToken: true } }, { model: backup }],
    });
    for (let i = 0; i < 25; i++) await streamOnce(chat, 300);
    const long = { messages: [{ role: "user" as const, content: "word ".repeat(10_000) }] };
    const stream = chat.stream(long);
    const reading = (async () => {
      for await (const _part of stream) {
        // read to the end
      }
    })();
    await vi.advanceTimersByTimeAsync(9_000);
    await reading;
    expect((await stream.result).model).toBe("scripted:primary");
  });
});

describe("LatencyTracker", () => {
  it("a 3 × p99 timer leaves the model's own normal uncut: property over log-normal latencies from 50 ms to 90 s", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.double({ min: Math.log(50), max: Math.log(90_000), noNaN: true }),
        fc.double({ min: 0.05, max: 0.6, noNaN: true }),
        fc.integer({ min: 20, max: 300 }),
        (seed, logMedian, sigma, count) => {
          const median = Math.exp(logMedian);
          const next = logNormal(random(seed), median, sigma);
          const tracker = new LatencyTracker();
          for (let i = 0; i < count; i++) tracker.observe("firstContent", next(), 10);
          const p99 = tracker.quantile("firstContent", 10, zOf.p99, 20);
          expect(p99).toBeDefined();
          const timer = 3 * (p99 as number);
          // The model's 99.9th percentile: one stream in a thousand is this slow or slower.
          expect(timer).toBeGreaterThan(median * Math.exp(3.09 * sigma));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("tracks a median within 25% after 50 samples", () => {
    fc.assert(
      fc.property(fc.integer(), fc.double({ min: 10, max: 60_000, noNaN: true }), (seed, median) => {
        const next = logNormal(random(seed), median, 0.3);
        const tracker = new LatencyTracker();
        for (let i = 0; i < 50; i++) tracker.observe("answer", next(), 0);
        const p50 = tracker.quantile("answer", 0, zOf.p50, 1) as number;
        expect(p50 / median).toBeGreaterThan(0.75);
        expect(p50 / median).toBeLessThan(1.33);
      }),
    );
  });

  it("ignores what is no latency (negative, NaN, Infinity) and answers nothing before minSamples", () => {
    const tracker = new LatencyTracker();
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) tracker.observe("firstContent", bad, 0);
    expect(tracker.samples("firstContent", 0)).toBe(0);
    tracker.observe("firstContent", 0, 0);
    expect(tracker.quantile("firstContent", 0, zOf.p99, 2)).toBeUndefined();
    expect(tracker.quantile("firstContent", 0, zOf.p99, 1)).toBe(1);
  });
});

describe("shared latencies", () => {
  it("a cold tracker takes another's estimate whole; a warm one meets it halfway", () => {
    const warm = new LatencyTracker();
    for (let i = 0; i < 40; i++) warm.observe("firstContent", 1_000, 10);
    const cold = new LatencyTracker();
    cold.adopt(warm.share(0));
    expect(cold.quantile("firstContent", 10, zOf.p50, 20)).toBeCloseTo(1_000, 6);
    const other = new LatencyTracker();
    for (let i = 0; i < 40; i++) other.observe("firstContent", 4_000, 10);
    other.adopt(warm.share(0));
    expect(other.quantile("firstContent", 10, zOf.p50, 20)).toBeCloseTo(2_000, 6);
    // The mixture keeps both: its tail reaches the slower one.
    expect(other.quantile("firstContent", 10, zOf.p99, 20)).toBeGreaterThan(4_000);
  });

  it("whatever is read from outside, an adopted estimate is a finite latency or none: property", () => {
    const junk = fc.oneof(
      fc.anything(),
      fc.record({
        bands: fc.array(
          fc.record({
            measure: fc.constantFrom("firstContent", "answer", "other"),
            band: fc.oneof(fc.integer({ min: -2, max: 8 }), fc.double()),
            samples: fc.oneof(fc.integer({ min: -5, max: 1_000 }), fc.double()),
            logMean: fc.double(),
            logVariance: fc.double(),
          }),
        ),
        sharedAt: fc.oneof(fc.double(), fc.integer()),
      }),
    );
    fc.assert(
      fc.property(junk, fc.integer({ min: 0, max: 200_000 }), (value, tokens) => {
        const tracker = new LatencyTracker();
        tracker.observe("firstContent", 500, tokens);
        const shared = sharedLatencyFrom(value);
        if (shared) tracker.adopt(shared);
        for (const measure of ["firstContent", "answer"] as const) {
          const p99 = tracker.quantile(measure, tokens, zOf.p99, 1);
          if (p99 !== undefined) {
            expect(Number.isFinite(p99)).toBe(true);
            expect(p99).toBeGreaterThanOrEqual(1);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
