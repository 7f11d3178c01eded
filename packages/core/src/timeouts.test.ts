import { scriptedModel } from "@understudy/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createFallback, isFallbackExhaustedError } from "./index.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };

beforeEach(() => {
  vi.useFakeTimers();
});

describe("attempt timeout (generate)", () => {
  it("cuts a silent model and falls over without retrying it", async () => {
    const silent = scriptedModel({ modelId: "silent", default: { hang: true } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: silent, timeout: { attemptMs: 5_000 } }, { model: backup }] });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(5_000);
    const result = await pending;
    expect(result.model).toBe("scripted:backup");
    expect(silent.calls).toHaveLength(1);
    expect(silent.calls[0]?.signal.aborted).toBe(true);
    expect(result.attempts[0]).toMatchObject({ kind: "timeout", durationMs: 5_000 });
    expect(result.attempts[0]?.message).toMatch(/attemptMs \(5000 ms\)/);
  });

  it("cuts an adapter that ignores its abort signal", async () => {
    const deaf = scriptedModel({ modelId: "deaf", default: { delayMs: 60_000, ignoreAbort: true } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: deaf, timeout: { attemptMs: 1_000 } }, { model: backup }] });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await pending).model).toBe("scripted:backup");
    await vi.advanceTimersByTimeAsync(60_000);
  });

  it("a timer turned off lets a slow answer through", async () => {
    const slow = scriptedModel({ modelId: "slow", default: { delayMs: 500_000 } });
    const chat = createFallback({ models: [{ model: slow, timeout: { attemptMs: false } }] });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(500_000);
    expect((await pending).model).toBe("scripted:slow");
  });
});

describe("deadline", () => {
  it("ends the whole request across retries and fallbacks", async () => {
    const slowA = scriptedModel({ modelId: "a", default: { delayMs: 4_000, error: "server" } });
    const slowB = scriptedModel({ modelId: "b", default: { delayMs: 4_000 } });
    const chat = createFallback({ models: [{ model: slowA, retry: { maxAttempts: 1 } }, { model: slowB }], deadlineMs: 6_000 });
    const outcome = chat.generate(request).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(6_000);
    const error = await outcome;
    expect(isFallbackExhaustedError(error) && error.reason).toBe("deadline");
    expect(slowB.calls[0]?.signal.aborted).toBe(true);
    if (!isFallbackExhaustedError(error)) return;
    expect(error.attempts.map((a) => [a.model, a.kind])).toEqual([
      ["scripted:a", "server"],
      ["scripted:b", "timeout"],
    ]);
  });

  it("can be set per call, overriding the chain's", async () => {
    const slow = scriptedModel({ modelId: "slow", default: { delayMs: 2_000 } });
    const chat = createFallback({ models: [{ model: slow }], deadlineMs: 60_000 });
    const outcome = chat.generate(request, { deadlineMs: 1_000 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(isFallbackExhaustedError(await outcome)).toBe(true);
  });

  it("is off by default: a long healthy answer is not cut", async () => {
    const slow = scriptedModel({ modelId: "slow", default: { delayMs: 100_000 } });
    const chat = createFallback({ models: [{ model: slow }] });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(100_000);
    expect((await pending).model).toBe("scripted:slow");
  });
});
