import { scriptedModel } from "@understudy/testing";
import { ConsecutiveBreaker, circuitBreaker, handleAll, retry, TimeoutStrategy, timeout } from "cockatiel";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createFallback } from "../index.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };

beforeEach(() => {
  vi.useFakeTimers();
});

describe("a user's own cockatiel policy", () => {
  it("a cockatiel timeout (abortOnReturn) does not kill a stream it opened", async () => {
    const model = scriptedModel({ modelId: "m", default: { text: "a b c", chunkDelayMs: 10 } });
    const chat = createFallback({ models: [{ model, policy: timeout(5_000, TimeoutStrategy.Aggressive) }] });
    const stream = chat.stream(request);
    const reading = (async () => {
      let text = "";
      for await (const part of stream) if (part.type === "text-delta") text += part.text;
      return text;
    })();
    await vi.runAllTimersAsync();
    expect(await reading).toBe("a b c");
  });

  it("a cockatiel timeout that fires counts as a timeout and falls over", async () => {
    const slow = scriptedModel({ modelId: "slow", default: { delayMs: 60_000 } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({
      models: [{ model: slow, policy: timeout(1_000, TimeoutStrategy.Cooperative) }, { model: backup }],
    });
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(1_000);
    const result = await pending;
    expect(result.model).toBe("scripted:backup");
    expect(result.attempts[0]).toMatchObject({ kind: "timeout" });
  });

  it("a cockatiel retry runs inside one attempt", async () => {
    const model = scriptedModel({ modelId: "m", script: [{ error: "server" }] });
    const chat = createFallback({ models: [{ model, retry: { maxAttempts: 1 }, policy: retry(handleAll, { maxAttempts: 1 }) }] });
    const pending = chat.generate(request);
    await vi.runAllTimersAsync();
    const result = await pending;
    expect(model.calls).toHaveLength(2);
    expect(result.attempts).toHaveLength(1);
  });

  it("a cockatiel breaker that refuses moves on without counting against our health", async () => {
    const model = scriptedModel({ modelId: "m", default: { error: "server" } });
    const backup = scriptedModel({ modelId: "backup" });
    const theirs = circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new ConsecutiveBreaker(1) });
    const chat = createFallback({
      models: [{ model, retry: { maxAttempts: 1 }, breaker: false, policy: theirs }, { model: backup }],
    });
    await chat.generate(request);
    const second = await chat.generate(request);
    expect(model.calls).toHaveLength(1);
    expect(second.attempts[0]).toMatchObject({ kind: "unsupported" });
    expect(chat.health()[0]?.recentFailures).toBe(1);
  });
});
