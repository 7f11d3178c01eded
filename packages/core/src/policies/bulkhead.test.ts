import { scriptedModel } from "@understudy/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createFallback, InMemoryHealthStore, isModelError } from "../index.ts";
import { Bulkhead, BulkheadFullError } from "./bulkhead.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };

beforeEach(() => {
  vi.useFakeTimers();
});

describe("bulkhead in the chain", () => {
  it("a request that finds the model and its queue full falls over, without counting against health", async () => {
    const busy = scriptedModel({ modelId: "busy", default: { delayMs: 1_000 } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: busy, bulkhead: { maxConcurrent: 1 } }, { model: backup }] });
    const first = chat.generate(request);
    const second = await chat.generate(request);
    expect(second.model).toBe("scripted:backup");
    expect(second.attempts[0]).toMatchObject({ model: "scripted:busy", outcome: "skipped", skipReason: "bulkhead_full" });
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await first).model).toBe("scripted:busy");
    expect(chat.health()[0]).toMatchObject({ breaker: "closed", recentFailures: 0, inFlight: 0 });
  });

  it("a queued request waits for a slot", async () => {
    const model = scriptedModel({ modelId: "m", default: { delayMs: 100 } });
    const chat = createFallback({ models: [{ model, bulkhead: { maxConcurrent: 1, maxQueued: 1 } }] });
    const first = chat.generate(request);
    const second = chat.generate(request);
    await vi.advanceTimersByTimeAsync(0);
    expect(chat.health()[0]).toMatchObject({ inFlight: 1, queued: 1 });
    await vi.advanceTimersByTimeAsync(100);
    expect(model.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all([first, second]);
    expect(chat.health()[0]).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it("the abort of a queued caller returns at once and frees its queue place", async () => {
    const model = scriptedModel({ modelId: "m", default: { delayMs: 10_000 } });
    const chat = createFallback({ models: [{ model, bulkhead: { maxConcurrent: 1, maxQueued: 1 } }] });
    const running = chat.generate(request);
    const controller = new AbortController();
    const queued = chat.generate(request, { signal: controller.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    controller.abort();
    const error = await queued;
    expect(isModelError(error) && error.kind).toBe("aborted");
    expect(chat.health()[0]).toMatchObject({ queued: 0 });
    const third = chat.generate(request);
    await vi.advanceTimersByTimeAsync(0);
    expect(chat.health()[0]).toMatchObject({ queued: 1 });
    await vi.advanceTimersByTimeAsync(20_000);
    await Promise.all([running, third]);
    expect(model.calls).toHaveLength(2);
  });
});

describe("Bulkhead", () => {
  it("grants slots in order and rejects past the queue", async () => {
    const bulkhead = new Bulkhead("m", 1, 1);
    const never = new AbortController().signal;
    const releaseFirst = await bulkhead.acquire(never);
    const second = bulkhead.acquire(never);
    await expect(bulkhead.acquire(never)).rejects.toBeInstanceOf(BulkheadFullError);
    releaseFirst();
    releaseFirst();
    const releaseSecond = await second;
    expect(bulkhead.inFlight).toBe(1);
    releaseSecond();
    expect(bulkhead.inFlight).toBe(0);
  });
});

describe("found by the adversarial suite: a queued call", () => {
  it("does not call a model that was isolated while it waited in the queue", async () => {
    const model = scriptedModel({ modelId: "m", default: { delayMs: 100 } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model, bulkhead: { maxConcurrent: 1, maxQueued: 1 } }, { model: backup }] });
    const first = chat.generate(request);
    const queued = chat.generate(request);
    await vi.advanceTimersByTimeAsync(0);
    chat.isolate("scripted:m");
    await vi.advanceTimersByTimeAsync(100);
    const result = await queued;
    expect(result.model).toBe("scripted:backup");
    expect(result.attempts[0]).toMatchObject({ model: "scripted:m", outcome: "skipped", skipReason: "isolated" });
    expect(model.calls).toHaveLength(1);
    await first;
    expect(chat.health()[0]).toMatchObject({ inFlight: 0, queued: 0 });
  });
});

describe("found by review: a queued call and the half-open probe", () => {
  it("a call let out of the queue once the model is due a probe does not call it without the probe's lease", async () => {
    const { promise: gate, resolve: openGate } = Promise.withResolvers<void>();
    const store = new InMemoryHealthStore();
    const model = scriptedModel({ modelId: "m", script: [{ gate }] });
    const backup = scriptedModel({ modelId: "backup" });
    const breaker = { consecutiveFailures: 1, halfOpenAfterMs: 100 };
    const chat = createFallback({
      models: [{ model, breaker, bulkhead: { maxConcurrent: 1, maxQueued: 1 } }, { model: backup }],
      healthStore: store,
    });
    // Another chain sharing the store (another replica) sees the model fail and opens its breaker.
    const failing = scriptedModel({ modelId: "m", default: { error: "server" } });
    const other = createFallback({ models: [{ model: failing, breaker, retry: { maxAttempts: 1 } }], healthStore: store });
    const holder = chat.generate(request);
    const queued = chat.generate(request);
    await vi.advanceTimersByTimeAsync(0);
    await other.generate(request).catch(() => {});
    await vi.advanceTimersByTimeAsync(150);
    openGate();
    await holder;
    const result = await queued;
    expect(result.model).toBe("scripted:backup");
    expect(model.calls).toHaveLength(1);
    expect(chat.health()[0]?.breaker).toBe("open");
  });
});
