import { scriptedModel } from "@understudy/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createFallback, isModelError } from "../index.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };

// The shared leak guard checks that no fake timer is left pending, then restores real timers.
beforeEach(() => {
  vi.useFakeTimers();
});

describe("Retry-After", () => {
  it("is waited out before the retry when within maxRetryAfterMs", async () => {
    const model = scriptedModel({ modelId: "m", script: [{ error: "rate_limit", retryAfterMs: 3_000 }] });
    const chat = createFallback({ models: [{ model, retry: { initialDelayMs: 1, maxDelayMs: 1 } }] });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(model.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const result = await pending;
    expect(model.calls).toHaveLength(2);
    expect((model.calls[1]?.startedAt ?? 0) - (model.calls[0]?.startedAt ?? 0)).toBeGreaterThanOrEqual(3_000);
    expect(result.attempts[1]).toMatchObject({ outcome: "success", waitedMs: 3_000 });
  });

  it("longer than maxRetryAfterMs cools the model down and falls over at once", async () => {
    const primary = scriptedModel({ modelId: "primary", script: [{ error: "rate_limit", retryAfterMs: 60_000 }] });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: primary, retry: { maxRetryAfterMs: 5_000 } }, { model: backup }] });

    const first = await chat.generate(request);
    expect(first.model).toBe("scripted:backup");
    expect(primary.calls).toHaveLength(1);

    const second = await chat.generate(request);
    expect(primary.calls).toHaveLength(1);
    expect(second.attempts[0]).toMatchObject({ model: "scripted:primary", outcome: "skipped", skipReason: "cooldown" });
    expect(chat.health()[0]).toMatchObject({ cooldownReason: "rate_limit", cooldownUntil: Date.now() + 60_000 });

    await vi.advanceTimersByTimeAsync(60_000);
    const third = await chat.generate(request);
    expect(third.model).toBe("scripted:primary");
    expect(primary.calls).toHaveLength(2);
  });

  it("is honoured on other kinds too (a 503 with Retry-After)", async () => {
    const model = scriptedModel({ modelId: "m", script: [{ error: "overloaded", status: 503, retryAfterMs: 2_000 }] });
    const chat = createFallback({ models: [{ model, retry: { initialDelayMs: 1, maxDelayMs: 1 } }] });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(model.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(model.calls).toHaveLength(2);
  });

  it("a model that falls over after a rate limit stays skipped for its Retry-After", async () => {
    const primary = scriptedModel({
      modelId: "primary",
      script: [
        { error: "rate_limit", retryAfterMs: 1_000 },
        { error: "rate_limit", retryAfterMs: 4_000 },
      ],
    });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: primary }, { model: backup }] });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await pending).model).toBe("scripted:backup");
    const next = await chat.generate(request);
    expect(next.attempts[0]).toMatchObject({ skipReason: "cooldown" });
    expect(primary.calls).toHaveLength(2);
  });

  it("is not waited when the wait would outlast the deadline", async () => {
    const primary = scriptedModel({ modelId: "primary", script: [{ error: "rate_limit", retryAfterMs: 4_000 }] });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: primary }, { model: backup }], deadlineMs: 3_000 });
    const result = await chat.generate(request);
    expect(result.model).toBe("scripted:backup");
    expect(primary.calls).toHaveLength(1);
  });
});

describe("backoff", () => {
  it("waits between retries, growing, within maxDelayMs", async () => {
    const model = scriptedModel({ modelId: "m", script: [{ error: "server" }, { error: "server" }, { error: "server" }] });
    const delays: number[] = [];
    const chat = createFallback({ models: [{ model, retry: { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1_000 } }] });
    chat.on("retry", (event) => delays.push(event.delayMs));
    const pending = chat.generate(request);
    await vi.runAllTimersAsync();
    await pending;
    expect(model.calls).toHaveLength(4);
    expect(delays).toHaveLength(3);
    for (const delay of delays) {
      expect(delay).toBeGreaterThan(0);
      expect(delay).toBeLessThanOrEqual(1_000);
    }
  });

  it("an abort during a backoff wait returns at once and makes no further call", async () => {
    const model = scriptedModel({ modelId: "m", default: { error: "server" } });
    const chat = createFallback({ models: [{ model, retry: { maxAttempts: 3, initialDelayMs: 10_000, maxDelayMs: 10_000 } }] });
    const controller = new AbortController();
    const outcome = chat.generate(request, { signal: controller.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    expect(model.calls).toHaveLength(1);
    controller.abort();
    const error = await outcome;
    expect(isModelError(error) && error.kind).toBe("aborted");
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(model.calls).toHaveLength(1);
  });

  it("an abort during a call ends it and surfaces as aborted, trying no other model", async () => {
    const slow = scriptedModel({ modelId: "slow", default: { delayMs: 10_000 } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: slow }, { model: backup }] });
    const controller = new AbortController();
    const outcome = chat.generate(request, { signal: controller.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(50);
    controller.abort();
    const error = await outcome;
    expect(isModelError(error) && error.kind).toBe("aborted");
    expect(slow.calls[0]?.signal.aborted).toBe(true);
    expect(backup.calls).toHaveLength(0);
  });

  it("an already aborted signal makes no call at all", async () => {
    const model = scriptedModel({ modelId: "m" });
    const chat = createFallback({ models: [{ model }] });
    const error = await chat.generate(request, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isModelError(error) && error.kind).toBe("aborted");
    expect(model.calls).toHaveLength(0);
  });
});

describe("a provider's delay is untrusted", () => {
  it.each([
    ["a Retry-After of decades", { error: "rate_limit" as const, retryAfterMs: 999_999_999_000 }],
    ["a quota failure asking for a year", { error: "quota" as const, retryAfterMs: 365 * 24 * 3_600_000 }],
  ])("%s cools the model down for at most cooldown.maxMs", async (_name, step) => {
    const model = scriptedModel({ modelId: "m", script: [step] });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model, cooldown: { maxMs: 60_000 } }, { model: backup }] });
    await chat.generate(request);
    const until = chat.health()[0]?.cooldownUntil ?? 0;
    expect(until).toBeGreaterThan(Date.now());
    expect(until).toBeLessThanOrEqual(Date.now() + Math.max(60_000, 300_000));
    if (step.error === "rate_limit") expect(until).toBeLessThanOrEqual(Date.now() + 60_000);
    await vi.advanceTimersByTimeAsync(300_000);
    expect((await chat.generate(request)).model).toBe("scripted:m");
  });

  it("the default cap is 10 minutes", async () => {
    const model = scriptedModel({ modelId: "m", script: [{ error: "rate_limit", retryAfterMs: 1e12 }] });
    const chat = createFallback({ models: [{ model }, { model: scriptedModel({ modelId: "backup" }) }] });
    await chat.generate(request);
    expect(chat.health()[0]?.cooldownUntil).toBe(Date.now() + 600_000);
  });

  it.each([Number.NaN, -5_000, Number.POSITIVE_INFINITY])("a Retry-After of %s is ignored, not obeyed", async (retryAfterMs) => {
    const model = scriptedModel({ modelId: "m", script: [{ error: "rate_limit", retryAfterMs }] });
    const chat = createFallback({ models: [{ model, retry: { initialDelayMs: 10, maxDelayMs: 10 } }] });
    const retries: unknown[] = [];
    chat.on("retry", (event) => retries.push(event.retryAfterMs));
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(100);
    expect((await pending).model).toBe("scripted:m");
    expect(model.calls).toHaveLength(2);
    expect(chat.health()[0]?.cooldownUntil).toBeUndefined();
    expect(retries).toEqual([undefined]);
  });
});

describe("found by the adversarial suite: the request's own faults", () => {
  it.each(["context_length", "invalid_request", "content_filter", "auth"] as const)(
    "%s with a Retry-After never cools the model down",
    async (error) => {
      const model = scriptedModel({ modelId: "m", script: [{ error, retryAfterMs: 60_000 }] });
      const backup = scriptedModel({ modelId: "backup" });
      const chat = createFallback({ models: [{ model }, { model: backup }] });
      await chat.generate(request).catch(() => {});
      expect(chat.health()[0]?.cooldownUntil).toBeUndefined();
      expect((await chat.generate(request)).model).toBe("scripted:m");
    },
  );
});

describe("found by review: Retry-After against the two bounds", () => {
  it("a Retry-After past maxRetryAfterMs is not waited out, even when cooldown.maxMs is shorter", async () => {
    const model = scriptedModel({ modelId: "m", script: [{ error: "rate_limit", retryAfterMs: 3_600_000 }] });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({
      models: [{ model, retry: { maxRetryAfterMs: 5_000 }, cooldown: { maxMs: 1_000 } }, { model: backup }],
    });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(0);
    expect((await pending).model).toBe("scripted:backup");
    expect(model.calls).toHaveLength(1);
    expect(chat.health()[0]?.cooldownUntil).toBe(Date.now() + 1_000);
    await vi.advanceTimersByTimeAsync(1_000);
  });

  it("a retry refused for a full bulkhead still leaves the cooldown the provider asked for", async () => {
    const { promise: gate, resolve: openGate } = Promise.withResolvers<void>();
    const model = scriptedModel({ modelId: "m", script: [{ error: "rate_limit", retryAfterMs: 2_000 }, { gate }] });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({
      models: [{ model, bulkhead: { maxConcurrent: 1 }, retry: { initialDelayMs: 1, maxDelayMs: 1 } }, { model: backup }],
    });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(0);
    const holder = chat.generate(request, { models: ["scripted:m"] });
    await vi.advanceTimersByTimeAsync(2_000);
    expect((await pending).model).toBe("scripted:backup");
    expect(chat.health()[0]?.cooldownUntil).toBeGreaterThan(0);
    openGate();
    await holder;
  });
});
