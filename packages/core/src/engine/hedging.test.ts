import { scriptedModel } from "@understudy/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  createFallback,
  type FallbackResult,
  type FallbackStream,
  type HedgeEndEvent,
  type HedgeSkipEvent,
  type HedgeStartEvent,
  isModelError,
} from "../index.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };
const price = { inputPerMillion: 1_000_000, outputPerMillion: 1_000_000 };

beforeEach(() => {
  vi.useFakeTimers();
});

/** Reads a stream to its end, noting the fake clock when the first part arrived. */
async function drain(stream: FallbackStream): Promise<{ firstPartAt: number | undefined; text: string }> {
  let firstPartAt: number | undefined;
  let text = "";
  for await (const part of stream) {
    firstPartAt ??= Date.now();
    if (part.type === "text-delta") text += part.text;
  }
  return { firstPartAt, text };
}

async function streamed(stream: FallbackStream, advanceMs: number) {
  const reading = drain(stream);
  await vi.advanceTimersByTimeAsync(advanceMs);
  const read = await reading;
  return { ...read, result: await stream.result };
}

function slowPrimary(delayMs: number, extra: object = {}) {
  return scriptedModel({ modelId: "primary", default: { delayMs, text: "primary answer", ...extra } });
}

function backupAfter(delayMs: number, extra: object = {}) {
  return scriptedModel({ modelId: "backup", default: { delayMs, text: "backup answer", ...extra } });
}

describe("a hedged stream", () => {
  it("starts the next model after the hedge delay; the faster one wins and the slow one is aborted, neutral for its breaker", async () => {
    const primary = slowPrimary(3_000);
    const backup = backupAfter(200);
    const chat = createFallback({
      models: [
        { model: primary, hedge: { afterMs: 500 }, price },
        { model: backup, price },
      ],
    });
    const starts: HedgeStartEvent[] = [];
    const ends: HedgeEndEvent[] = [];
    chat.on("hedgeStart", (event) => starts.push(event));
    chat.on("hedgeEnd", (event) => ends.push(event));
    const t0 = Date.now();
    const { firstPartAt, text, result } = await streamed(chat.stream(request), 5_000);

    expect(text).toBe("backup answer");
    expect(result.model).toBe("scripted:backup");
    expect((firstPartAt ?? 0) - t0).toBe(700);
    expect(primary.calls[0]?.signal.aborted).toBe(true);
    expect(backup.calls[0]?.startedAt).toBe(t0 + 500);
    expect(result.hedges).toEqual([
      { from: "scripted:primary", to: "scripted:backup", afterMs: 500, startedAt: t0 + 500, winner: "scripted:backup" },
    ]);
    expect(starts).toEqual([{ requestId: result.requestId, from: "scripted:primary", to: "scripted:backup", afterMs: 500 }]);
    expect(ends).toEqual([
      { requestId: result.requestId, from: "scripted:primary", to: "scripted:backup", winner: "scripted:backup" },
    ]);
    const lost = result.attempts.find((a) => a.model === "scripted:primary");
    expect(lost).toMatchObject({ outcome: "cancelled", kind: "aborted", lostHedgeTo: "scripted:backup", durationMs: 700 });
    expect(lost?.usage?.estimated).toBe(true);
    expect(lost?.cost).toBeGreaterThan(0);
    expect(result.cost.wasted).toBe(lost?.cost);
    expect(result.attempts.find((a) => a.model === "scripted:backup")).toMatchObject({ outcome: "success", hedge: true });
    // A hedge is no failover: nothing failed.
    expect(result.fallbacks).toEqual([]);
    expect(chat.health()[0]).toMatchObject({ breaker: "closed", recentFailures: 0 });
  });

  it("does not hedge when the first model's first content comes before the delay", async () => {
    const primary = slowPrimary(100);
    const backup = backupAfter(10);
    const chat = createFallback({ models: [{ model: primary, hedge: { afterMs: 500 } }, { model: backup }] });
    const { result } = await streamed(chat.stream(request), 2_000);
    expect(result.model).toBe("scripted:primary");
    expect(backup.calls).toHaveLength(0);
    expect(result.hedges).toEqual([]);
  });

  it("keeps the first model when it delivers after the hedge started but before the hedge does; the hedge is aborted", async () => {
    const primary = slowPrimary(700);
    const backup = backupAfter(1_000);
    const chat = createFallback({ models: [{ model: primary, hedge: { afterMs: 500 } }, { model: backup }] });
    const { result, text } = await streamed(chat.stream(request), 3_000);
    expect(text).toBe("primary answer");
    expect(result.model).toBe("scripted:primary");
    expect(backup.calls[0]?.signal.aborted).toBe(true);
    expect(result.attempts.find((a) => a.model === "scripted:backup")).toMatchObject({
      outcome: "cancelled",
      hedge: true,
      lostHedgeTo: "scripted:primary",
    });
    expect(result.hedges[0]?.winner).toBe("scripted:primary");
    expect(chat.health()[1]).toMatchObject({ breaker: "closed", recentFailures: 0 });
  });

  it("never shows the loser's content: only the winner's parts reach the caller", async () => {
    // The backup's first chunk comes at 550 ms, the primary's at 600 ms and its others soon after: the backup's words alone.
    const primary = slowPrimary(600, { text: "slow words here", chunks: 3, chunkDelayMs: 10 });
    const backup = backupAfter(50, { text: "fast words here", chunks: 3, chunkDelayMs: 300 });
    const chat = createFallback({ models: [{ model: primary, hedge: { afterMs: 500 } }, { model: backup }] });
    const { text, result } = await streamed(chat.stream(request), 3_000);
    expect(text).toBe("fast words here");
    expect(result.text).toBe(text);
    expect(primary.calls[0]?.signal.aborted).toBe(true);
  });

  it("ends the race at first content: a winner that breaks mid-stream follows the mid-stream rules, not the hedge", async () => {
    const primary = slowPrimary(3_000);
    const backup = backupAfter(100, { text: "abc", chunks: 3, afterChunks: 1, error: "server" });
    const chat = createFallback({
      models: [
        { model: primary, hedge: { afterMs: 500 } },
        { model: backup, retry: { maxAttempts: 1 } },
      ],
    });
    const stream = chat.stream(request);
    const reading = drain(stream).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(5_000);
    const error = await reading;
    expect(error).toMatchObject({ name: "StreamInterruptedError" });
    expect(primary.calls).toHaveLength(1);
    await expect(stream.result).rejects.toBeDefined();
  });
});

describe("a hedged generate", () => {
  it("starts the next model when the answer is late, and takes the first whole answer", async () => {
    const primary = slowPrimary(4_000);
    const backup = backupAfter(300);
    const chat = createFallback({ models: [{ model: primary, hedge: { afterMs: 1_000 } }, { model: backup }] });
    const t0 = Date.now();
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(1_300);
    const result = await pending;
    expect(result.model).toBe("scripted:backup");
    expect(result.durationMs).toBe(1_300);
    expect(Date.now() - t0).toBe(1_300);
    expect(primary.calls[0]?.signal.aborted).toBe(true);
    expect(result.hedges[0]).toMatchObject({ winner: "scripted:backup", afterMs: 1_000 });
  });
});

describe("what the hedge does when a call fails", () => {
  it("the slow model failing hands the request to the hedge, as a fallback, without a retry of the slow one", async () => {
    const primary = slowPrimary(800, { error: "server" });
    const backup = backupAfter(1_000);
    const chat = createFallback({ models: [{ model: primary, hedge: { afterMs: 500 } }, { model: backup }] });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(2_000);
    const result = await pending;
    expect(result.model).toBe("scripted:backup");
    expect(primary.calls).toHaveLength(1);
    expect(backup.calls).toHaveLength(1);
    expect(result.fallbacks).toEqual([{ from: "scripted:primary", to: "scripted:backup", reason: "server" }]);
    expect(result.hedges[0]?.winner).toBe("scripted:backup");
    expect(chat.health()[0]?.recentFailures).toBe(1);
  });

  it("the hedge failing leaves the slow model to answer; the failure counts against the hedge's model", async () => {
    const primary = slowPrimary(1_500);
    const backup = backupAfter(100, { error: "overloaded" });
    const chat = createFallback({ models: [{ model: primary, hedge: { afterMs: 500 } }, { model: backup }] });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(2_000);
    const result = await pending;
    expect(result.model).toBe("scripted:primary");
    // The slow model still delivered first: the hedge never did.
    expect(result.hedges[0]?.winner).toBe("scripted:primary");
    expect(result.attempts.find((a) => a.model === "scripted:backup")).toMatchObject({ outcome: "failure", hedge: true });
    expect(chat.health()[1]?.recentFailures).toBe(1);
  });

  it("when both fail, the walk takes the hedge's failure up as that model's first attempt, and retries it by its own rules", async () => {
    const primary = slowPrimary(800, { error: "server" });
    const backup = scriptedModel({ modelId: "backup", script: [{ delayMs: 100, error: "server" }, { text: "second try" }] });
    const chat = createFallback({
      models: [
        { model: primary, hedge: { afterMs: 500 }, retry: { maxAttempts: 1 } },
        { model: backup, retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10 } },
      ],
    });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(2_000);
    const result = await pending;
    expect(result.model).toBe("scripted:backup");
    expect(result.text).toBe("second try");
    expect(backup.calls).toHaveLength(2);
    expect(result.attempts.filter((a) => a.model === "scripted:backup").map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "failure"],
      [2, "success"],
    ]);
    expect(result.fallbacks).toEqual([{ from: "scripted:primary", to: "scripted:backup", reason: "server" }]);
  });

  it("when both fail and the hedge's model is not retried, both switches are on record", async () => {
    const primary = slowPrimary(800, { error: "server" });
    const backup = scriptedModel({ modelId: "backup", default: { delayMs: 100, error: "server" } });
    const third = scriptedModel({ modelId: "third", default: { text: "third" } });
    const chat = createFallback({
      models: [
        { model: primary, hedge: { afterMs: 500 }, retry: { maxAttempts: 1 } },
        { model: backup, retry: { maxAttempts: 1 } },
        { model: third },
      ],
    });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(2_000);
    const result = await pending;
    expect(result.model).toBe("scripted:third");
    expect(result.fallbacks).toEqual([
      { from: "scripted:primary", to: "scripted:backup", reason: "server" },
      { from: "scripted:backup", to: "scripted:third", reason: "server" },
    ]);
  });

  it("a slow model's failure that surfaces calls the race off: the error reaches the caller and the hedge is aborted", async () => {
    const primary = slowPrimary(800, { error: "content_filter" });
    const backup = backupAfter(5_000);
    const chat = createFallback({ models: [{ model: primary, hedge: { afterMs: 500 } }, { model: backup }] });
    const outcome = chat.generate(request).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await outcome;
    expect(isModelError(error) && error.kind).toBe("content_filter");
    expect(backup.calls[0]?.signal.aborted).toBe(true);
  });

  it("the caller's abort during the race aborts both calls and rejects once", async () => {
    const primary = slowPrimary(5_000);
    const backup = backupAfter(5_000);
    const chat = createFallback({ models: [{ model: primary, hedge: { afterMs: 500 } }, { model: backup }] });
    const controller = new AbortController();
    const outcome = chat.generate(request, { signal: controller.signal }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(800);
    controller.abort();
    const error = await outcome;
    expect(isModelError(error) && error.kind).toBe("aborted");
    expect(primary.calls[0]?.signal.aborted).toBe(true);
    expect(backup.calls[0]?.signal.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a consumer that stops reading after the hedge won cancels the winner; nothing is left running", async () => {
    const primary = slowPrimary(3_000);
    const backup = backupAfter(100, { text: "a b c d", chunks: 4, chunkDelayMs: 100 });
    const chat = createFallback({ models: [{ model: primary, hedge: { afterMs: 500 } }, { model: backup }] });
    const stream = chat.stream(request);
    const reading = (async () => {
      for await (const _part of stream) break;
    })();
    await vi.advanceTimersByTimeAsync(1_000);
    await reading;
    expect(primary.calls[0]?.signal.aborted).toBe(true);
    expect(backup.calls[0]?.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("when no hedge goes", () => {
  async function hedgesWith(setup: (chat: ReturnType<typeof createFallback>) => Promise<void> | void, backupOptions = {}) {
    const primary = slowPrimary(2_000);
    const backup = backupAfter(100);
    const chat = createFallback({
      models: [
        { model: primary, hedge: { afterMs: 500 } },
        { model: backup, ...backupOptions },
      ],
    });
    await setup(chat);
    const pending = chat.generate(request, { models: ["scripted:primary", "scripted:backup"] });
    await vi.advanceTimersByTimeAsync(3_000);
    const result = await pending;
    return { result, backup };
  }

  it("not to a model held open, and says so with `hedgeSkip`", async () => {
    const skips: HedgeSkipEvent[] = [];
    const { result } = await hedgesWith((chat) => {
      chat.isolate("scripted:backup");
      chat.on("hedgeSkip", (event) => skips.push(event));
    });
    expect(result.model).toBe("scripted:primary");
    expect(result.hedges).toEqual([]);
    expect(skips).toEqual([
      { requestId: result.requestId, from: "scripted:primary", to: "scripted:backup", afterMs: 500, reason: "unavailable" },
    ]);
  });

  it("not to a model whose breaker is open, due a probe, or probing: a hedge is never a probe", async () => {
    const primary = slowPrimary(2_000);
    const backup = scriptedModel({ modelId: "backup", script: [{ error: "server" }], default: { delayMs: 100 } });
    const chat = createFallback({
      models: [
        { model: primary, hedge: { afterMs: 500 } },
        { model: backup, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 1_000 } },
      ],
    });
    await chat.generate(request, { models: ["scripted:backup"] }).catch(() => undefined);
    expect(chat.health()[1]?.breaker).toBe("open");
    await vi.advanceTimersByTimeAsync(1_500);
    // Now due a probe: a hedge would be that probe; none goes.
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(3_000);
    const result = await pending;
    expect(result.model).toBe("scripted:primary");
    expect(result.hedges).toEqual([]);
    expect(backup.calls).toHaveLength(1);
  });

  it("not to a model whose bulkhead is full", async () => {
    const holder = scriptedModel({ modelId: "backup", script: [{ delayMs: 60_000 }], default: { delayMs: 100 } });
    const primary = slowPrimary(2_000);
    const chat = createFallback({
      models: [
        { model: primary, hedge: { afterMs: 500 } },
        { model: holder, bulkhead: { maxConcurrent: 1 } },
      ],
    });
    const held = chat.generate(request, { models: ["scripted:backup"] });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(3_000);
    expect((await pending).hedges).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    await held;
  });

  it("not past the request's limit: one hedge per request by default", async () => {
    const a = slowPrimary(800, { error: "server" });
    const b = scriptedModel({ modelId: "b", default: { delayMs: 2_000, text: "b" } });
    const c = scriptedModel({ modelId: "c", default: { delayMs: 100, text: "c" } });
    const chat = createFallback({
      models: [
        { model: a, hedge: { afterMs: 500 }, retry: { maxAttempts: 1 } },
        { model: b, hedge: { afterMs: 500 } },
        { model: c },
      ],
    });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(4_000);
    const result = await pending;
    expect(result.model).toBe("scripted:b");
    expect(result.hedges).toHaveLength(1);
    expect(c.calls).toHaveLength(0);
  });

  it("not from a model without `hedge`, and not for a call restricted to one model", async () => {
    const primary = slowPrimary(2_000);
    const backup = backupAfter(100);
    const chat = createFallback({ models: [{ model: primary }, { model: backup, hedge: { afterMs: 100 } }] });
    const pending = chat.generate(request);
    const alone = chat.generate(request, { models: ["scripted:backup"] });
    await vi.advanceTimersByTimeAsync(3_000);
    expect((await pending).hedges).toEqual([]);
    expect((await alone).hedges).toEqual([]);
  });
});

describe("the hedge budget", () => {
  it("holds under load: at most burst + maxShare × requests hedges, whatever the providers do", async () => {
    const primary = slowPrimary(2_000);
    const backup = backupAfter(100);
    const chat = createFallback({
      models: [{ model: primary, hedge: { afterMs: 500 } }, { model: backup }],
      hedging: { maxShare: 0.1, burst: 3 },
    });
    let skipped = 0;
    chat.on("hedgeSkip", (event) => {
      if (event.reason === "budget") skipped++;
    });
    const results: Promise<FallbackResult>[] = [];
    // Waves of concurrent requests, a slow primary for every one of them.
    for (let wave = 0; wave < 10; wave++) {
      for (let i = 0; i < 20; i++) results.push(chat.generate(request));
      await vi.advanceTimersByTimeAsync(250);
    }
    await vi.advanceTimersByTimeAsync(5_000);
    const settled = await Promise.all(results);
    const hedges = settled.filter((result) => result.hedges.length > 0).length;
    // Every request was due a hedge: those that got none were refused by the budget, and told.
    expect(skipped).toBe(200 - hedges);
    expect(hedges).toBeLessThanOrEqual(3 + 0.1 * 200);
    expect(hedges).toBeGreaterThanOrEqual(3);
    expect(backup.calls).toHaveLength(hedges);
  });

  it("earns one hedge per 1 / maxShare requests once the burst is spent", async () => {
    const primary = slowPrimary(1_000);
    const backup = backupAfter(100);
    const chat = createFallback({
      models: [{ model: primary, hedge: { afterMs: 500 } }, { model: backup }],
      hedging: { maxShare: 0.25, burst: 1 },
    });
    const hedged: boolean[] = [];
    for (let i = 0; i < 12; i++) {
      const pending = chat.generate(request);
      await vi.advanceTimersByTimeAsync(1_000);
      hedged.push((await pending).hedges.length > 0);
    }
    // The burst's one at once, then one per four requests.
    expect(hedged.flatMap((yes, index) => (yes ? [index] : []))).toEqual([0, 4, 8]);
  });
});

describe("a learned hedge delay", () => {
  it("waits maxMs until it has samples, then the model's own p95 within the bounds", async () => {
    let delay = 1_000;
    const primary = scriptedModel({ modelId: "primary", script: () => ({ delayMs: delay, text: "p" }) });
    const backup = backupAfter(50);
    const chat = createFallback({
      models: [{ model: primary, hedge: { afterMs: "learned", minMs: 100, maxMs: 3_000, minSamples: 5 } }, { model: backup }],
      hedging: { maxShare: 1, burst: 100 },
    });
    const cold = chat.generate(request);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await cold).hedges).toEqual([]);
    delay = 200;
    for (let i = 0; i < 6; i++) {
      const warm = chat.generate(request);
      await vi.advanceTimersByTimeAsync(200);
      await warm;
    }
    delay = 2_000;
    const slow = chat.generate(request);
    await vi.advanceTimersByTimeAsync(2_000);
    const result = await slow;
    expect(result.model).toBe("scripted:backup");
    const afterMs = result.hedges[0]?.afterMs ?? 0;
    // Learned from answers of 1 000 ms and 200 ms: well under maxMs, at least minMs.
    expect(afterMs).toBeGreaterThanOrEqual(200);
    expect(afterMs).toBeLessThan(1_500);
  });
});
