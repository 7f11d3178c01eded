import { scriptedModel } from "@understudy/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFallback, type FallbackStream, InMemoryHealthStore, type SharedLatency } from "../index.ts";

// The edges a review found: a hedge that won and then broke, a slow call queued for its
// bulkhead, checked answers, a race that throws, and stores that misbehave.

const request = { messages: [{ role: "user" as const, content: "hi" }] };
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeEach(() => {
  vi.useFakeTimers();
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});

afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

/** Reads a stream to its end: the text shown (a reset as `|`), the clock at the first part, and the error, if any. */
async function collect(stream: FallbackStream) {
  let text = "";
  let firstPartAt: number | undefined;
  let error: unknown;
  try {
    for await (const part of stream) {
      firstPartAt ??= Date.now();
      if (part.type === "text-delta") text += part.text;
      if (part.type === "reset") text += "|";
    }
  } catch (thrown) {
    error = thrown;
  }
  return { text, firstPartAt, error };
}

/** A hedge that wins with "b1 ", then fails with a long rate limit: its model cools down at once. */
function brokenWinner() {
  const a = scriptedModel({ modelId: "a", default: { delayMs: 3_000, text: "aaa" } });
  const b = scriptedModel({
    modelId: "b",
    default: { delayMs: 100, text: "b1 b2 b3", chunks: 3, afterChunks: 1, error: "rate_limit", retryAfterMs: 10_000 },
  });
  const c = scriptedModel({ modelId: "c", default: { text: "ccc" } });
  return { a, b, c, models: [{ model: a, hedge: { afterMs: 500 } }, { model: b }, { model: c }] };
}

describe("a hedge that won, showed content, then failed", () => {
  it("ends with a StreamInterruptedError under midStream: error, though its own failure benched its model", async () => {
    const { c, models } = brokenWinner();
    const chat = createFallback({ models });
    const reading = collect(chat.stream(request));
    await vi.advanceTimersByTimeAsync(5_000);
    const { text, error } = await reading;
    expect(error).toMatchObject({ name: "StreamInterruptedError" });
    expect(text).toBe("b1 ");
    expect(c.calls).toHaveLength(0);
  });

  it("restarts on the next model after a reset under midStream: restart, as a fallback", async () => {
    const { models } = brokenWinner();
    const chat = createFallback({ models, midStream: "restart" });
    const stream = chat.stream(request);
    const reading = collect(stream);
    await vi.advanceTimersByTimeAsync(5_000);
    const { text } = await reading;
    const result = await stream.result;
    expect(text).toBe("b1 |ccc");
    expect(result.text).toBe("ccc");
    expect(result.fallbacks).toEqual([{ from: "scripted:b", to: "scripted:c", reason: "rate_limit" }]);
  });

  it("is not called again after an `aborted` failure: the request ends, as without a hedge", async () => {
    const a = scriptedModel({ modelId: "a", default: { delayMs: 3_000, text: "aaa" } });
    const b = scriptedModel({
      modelId: "b",
      script: [{ delayMs: 100, text: "b1 b2 b3", chunks: 3, afterChunks: 1, error: "aborted" }],
      default: { text: "fresh" },
    });
    const chat = createFallback({ models: [{ model: a, hedge: { afterMs: 500 } }, { model: b }] });
    const reading = collect(chat.stream(request));
    await vi.advanceTimersByTimeAsync(5_000);
    const { text, error } = await reading;
    expect(text).toBe("b1 ");
    expect(error).toBeDefined();
    expect(b.calls).toHaveLength(1);
  });
});

describe("a slow model that would queue for its bulkhead", () => {
  it("is not hedged: it waits its turn and makes its one call, and no hedge is left behind", async () => {
    const a = scriptedModel({
      modelId: "a",
      script: [{ delayMs: 10_000, text: "occupant" }],
      default: { delayMs: 100, text: "a" },
    });
    const b = scriptedModel({ modelId: "b", default: { delayMs: 100, text: "b" } });
    const chat = createFallback({
      models: [{ model: a, hedge: { afterMs: 500 }, bulkhead: { maxConcurrent: 1, maxQueued: 5 } }, { model: b }],
    });
    const occupant = collect(chat.stream(request, { models: ["scripted:a"] }));
    await vi.advanceTimersByTimeAsync(1);
    const controller = new AbortController();
    const stream = chat.stream(request, { signal: controller.signal });
    const ends: unknown[] = [];
    chat.on("hedgeEnd", (event) => ends.push(event));
    const reading = collect(stream);
    await vi.advanceTimersByTimeAsync(12_000);
    await occupant;
    const { text } = await reading;
    expect(text).toBe("a");
    expect(a.calls).toHaveLength(2);
    expect(b.calls).toHaveLength(0);
    expect((await stream.result).hedges).toEqual([]);
    expect(ends).toEqual([]);
  });
});

describe("answers checked before they win", () => {
  const noBad = { name: "no-bad", check: (answer: { text: string }) => (answer.text.includes("bad") ? "bad" : undefined) };

  it("a held stream claims the race only once its answer passed: a bad early answer does not kill the good hedge", async () => {
    const a = scriptedModel({ modelId: "a", default: { delayMs: 600, text: "bad answer here", chunks: 3, chunkDelayMs: 5_000 } });
    const b = scriptedModel({ modelId: "b", default: { delayMs: 200, text: "good" } });
    const chat = createFallback({ models: [{ model: a, hedge: { afterMs: 500 } }, { model: b }] });
    const t0 = Date.now();
    const stream = chat.stream(request, { bufferAnswers: true, answerChecks: [noBad] });
    const reading = collect(stream);
    await vi.advanceTimersByTimeAsync(30_000);
    const { text, firstPartAt } = await reading;
    expect(text).toBe("good");
    expect((firstPartAt ?? 0) - t0).toBe(700);
    expect(b.calls).toHaveLength(1);
  });

  it("a generate's answer that fails its check hands over to the hedge, which answers", async () => {
    const a = scriptedModel({ modelId: "a", default: { delayMs: 600, text: "bad" } });
    const b = scriptedModel({ modelId: "b", default: { delayMs: 200, text: "good" } });
    const chat = createFallback({ models: [{ model: a, hedge: { afterMs: 500 } }, { model: b }] });
    const pending = chat.generate(request, { answerChecks: [noBad] });
    await vi.advanceTimersByTimeAsync(30_000);
    const result = await pending;
    expect(result.text).toBe("good");
    expect(b.calls).toHaveLength(1);
    expect(result.fallbacks).toEqual([{ from: "scripted:a", to: "scripted:b", reason: "bad_answer" }]);
  });
});

describe("the hedge timer", () => {
  it("is cleared as soon as the slow model delivers, not left to fire during the stream", async () => {
    const a = scriptedModel({ modelId: "a", default: { delayMs: 100, text: "a b c", chunks: 3, chunkDelayMs: 1_000 } });
    const b = scriptedModel({ modelId: "b" });
    const chat = createFallback({ models: [{ model: a, hedge: { afterMs: 4_000 } }, { model: b }] });
    const stream = chat.stream(request);
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    await vi.advanceTimersByTimeAsync(100);
    await first;
    // Between two reads nothing waits on a timer (the stream is pull-driven): the hedge's 4 s timer is gone.
    expect(vi.getTimerCount()).toBe(0);
    await iterator.return?.();
  });
});

describe("stores that misbehave with latencies", () => {
  it("an async shareLatency that rejects is no unhandled rejection", async () => {
    class Store extends InMemoryHealthStore {
      async shareLatency(): Promise<void> {
        throw new Error("redis down");
      }
    }
    const a = scriptedModel({ modelId: "a", default: { delayMs: 10 } });
    const chat = createFallback({ healthStore: new Store(), models: [{ model: a, timeout: { learnFirstToken: true } }] });
    for (let i = 0; i < 45; i++) {
      const reading = collect(chat.stream(request));
      await vi.advanceTimersByTimeAsync(10);
      await reading;
    }
    vi.useRealTimers();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });

  it("a readLatency that returns junk, throws, or rejects is no unhandled rejection, and teaches nothing", async () => {
    const junk = [
      async () => ({
        get bands(): never {
          throw new Error("junk");
        },
        sharedAt: 1,
      }),
      () => {
        throw new Error("sync");
      },
      async () => Promise.reject(new Error("async")),
      () => "not a promise",
    ];
    for (const readLatency of junk) {
      class Store extends InMemoryHealthStore {
        readLatency = readLatency as unknown as () => Promise<SharedLatency | undefined>;
      }
      const a = scriptedModel({ modelId: "a", default: { delayMs: 60_000 } });
      const b = scriptedModel({ modelId: "b" });
      const chat = createFallback({
        healthStore: new Store(),
        models: [{ model: a, timeout: { firstTokenMs: 5_000, learnFirstToken: true } }, { model: b }],
      });
      const stream = chat.stream(request);
      const reading = collect(stream);
      await vi.advanceTimersByTimeAsync(5_000);
      await reading;
      expect((await stream.result).attempts[0]?.durationMs).toBe(5_000);
    }
    vi.useRealTimers();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });
});
