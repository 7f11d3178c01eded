import { scriptedModel } from "@understudy/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createFallback, isFallbackExhaustedError } from "../index.ts";

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

describe("durations past the timer limit", () => {
  it("deadlineMs: Infinity per call means no deadline (not a timer that fires after 1 ms)", async () => {
    const slow = scriptedModel({ modelId: "slow", default: { delayMs: 10_000 } });
    const chat = createFallback({ models: [{ model: slow }], deadlineMs: 1_000 });
    const pending = chat.generate(request, { deadlineMs: Number.POSITIVE_INFINITY });
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await pending).model).toBe("scripted:slow");
  });

  it.each([
    ["timeout: { attemptMs: Infinity }", { timeout: { attemptMs: Number.POSITIVE_INFINITY } }],
    ["deadlineMs: Infinity in config", { timeout: { attemptMs: false as const } }],
  ])("%s turns the limit off", async (_name, entry) => {
    const slow = scriptedModel({ modelId: "slow", default: { delayMs: 3_000_000 } });
    const chat = createFallback({ models: [{ model: slow, ...entry }], deadlineMs: Number.POSITIVE_INFINITY });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(3_000_000);
    const result = await pending;
    expect(result.model).toBe("scripted:slow");
    expect(result.attempts).toHaveLength(1);
  });

  it("a first-token timer of Infinity never cuts a slow stream", async () => {
    const slow = scriptedModel({ modelId: "slow", default: { delayMs: 200_000 } });
    const chat = createFallback({ models: [{ model: slow, timeout: { firstTokenMs: Number.POSITIVE_INFINITY } }] });
    const reading = (async () => {
      let text = "";
      for await (const part of chat.stream(request)) if (part.type === "text-delta") text += part.text;
      return text;
    })();
    await vi.advanceTimersByTimeAsync(200_000);
    expect(await reading).toBe("ok from slow");
  });

  it.each([
    ["a call's deadlineMs past the limit", () => ({ call: { deadlineMs: 3e9 } })],
    ["a call's deadlineMs as a string", () => ({ call: { deadlineMs: "100" } })],
  ])("%s that no timer can keep is refused before any call", async (_name, make) => {
    const model = scriptedModel({ modelId: "m" });
    const chat = createFallback({ models: [{ model }] });
    const error = await chat.generate(request, make().call as never).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "RequestError", path: "options.deadlineMs" });
    expect(model.calls).toHaveLength(0);
  });

  it("a timer asked for more than the limit waits the limit, never 1 ms", async () => {
    const { AbortScope } = await import("../policies/abort-scope.ts");
    const scope = AbortScope.root(undefined);
    scope.startTimer("deadline", 3e9);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(scope.cause).toBeUndefined();
    scope.dispose();
  });
});

describe("a silent route", () => {
  it("a provider silent for long, then dropping the connection, is a timeout and is not retried", async () => {
    const silent = scriptedModel({ modelId: "silent", default: { delayMs: 6_000, error: "connection" } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: silent, timeout: { attemptMs: 60_000 } }, { model: backup }] });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(6_000);
    const result = await pending;
    expect(result.model).toBe("scripted:backup");
    expect(silent.calls).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({ kind: "timeout" });
    expect(result.attempts[0]?.message).toMatch(/silent for 6000 ms, then the connection dropped/);
  });

  it("the threshold is half the timer guarding the silence when that is shorter than 5 s", async () => {
    const silent = scriptedModel({ modelId: "silent", default: { delayMs: 600, error: "connection" } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: silent, timeout: { firstTokenMs: 1_000 } }, { model: backup }] });
    const reading = (async () => {
      for await (const _ of chat.stream(request));
    })();
    await vi.advanceTimersByTimeAsync(600);
    await reading;
    expect(silent.calls).toHaveLength(1);
  });

  it("a connection refused at once is still a connection fault, retried once", async () => {
    const flaky = scriptedModel({ modelId: "flaky", script: [{ delayMs: 20, error: "connection" }] });
    const chat = createFallback({ models: [{ model: flaky, retry: { initialDelayMs: 1, maxDelayMs: 1 } }] });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(100);
    expect((await pending).attempts.map((a) => a.kind ?? a.outcome)).toEqual(["connection", "success"]);
  });
});

describe("found by the adversarial suite: an already aborted call", () => {
  it("with every model skipped is aborted, not exhausted", async () => {
    const model = scriptedModel({ modelId: "m" });
    const chat = createFallback({ models: [{ model }] });
    chat.isolate("scripted:m");
    const controller = new AbortController();
    controller.abort();
    const error = await chat.generate(request, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ModelError", kind: "aborted" });
    expect(model.calls).toHaveLength(0);
  });
});
