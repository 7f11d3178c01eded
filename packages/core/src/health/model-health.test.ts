import { scriptedModel } from "@understudy/testing";
import { CountBreaker } from "cockatiel";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createFallback, type ModelErrorKind } from "../index.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };

beforeEach(() => {
  vi.useFakeTimers();
});

function chain(primaryScript: Parameters<typeof scriptedModel>[0]["script"], otherwise: { error?: ModelErrorKind } = {}) {
  const primary = scriptedModel({ modelId: "primary", script: primaryScript ?? [], default: otherwise });
  const backup = scriptedModel({ modelId: "backup" });
  const chat = createFallback({
    models: [
      { model: primary, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 10_000 } },
      { model: backup },
    ],
  });
  return { chat, primary, backup };
}

describe("circuit breaker", () => {
  it("opens after the configured consecutive failures and then skips the model without calling it", async () => {
    const { chat, primary } = chain([], { error: "server" });
    const opened: string[] = [];
    chat.on("breakerOpen", (event) => opened.push(`${event.model}:${event.reason}`));
    for (let i = 0; i < 3; i++) await chat.generate(request);
    expect(primary.calls).toHaveLength(3);
    expect(opened).toEqual(["scripted:primary:server"]);
    expect(chat.health()[0]?.breaker).toBe("open");

    const skipped = await chat.generate(request);
    expect(primary.calls).toHaveLength(3);
    expect(skipped.attempts[0]).toMatchObject({ outcome: "skipped", skipReason: "open" });
  });

  it("a success in between resets the consecutive count", async () => {
    const { chat, primary } = chain([{ error: "server" }, { error: "server" }, {}, { error: "server" }, { error: "server" }]);
    for (let i = 0; i < 5; i++) await chat.generate(request);
    expect(chat.health()[0]?.breaker).toBe("closed");
    expect(primary.calls).toHaveLength(5);
  });

  it("is not tripped by the request's own faults", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { error: "context_length" } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: primary, breaker: { consecutiveFailures: 1 } }, { model: backup }] });
    for (let i = 0; i < 3; i++) await chat.generate(request);
    expect(chat.health()[0]?.breaker).toBe("closed");
    expect(primary.calls).toHaveLength(3);
  });

  it.each(["invalid_request", "content_filter", "aborted"] as const)("%s never counts against the breaker", async (kind) => {
    const model = scriptedModel({ modelId: "m", default: { error: kind } });
    const chat = createFallback({ models: [{ model, breaker: { consecutiveFailures: 1 } }] });
    await chat.generate(request).catch(() => {});
    expect(chat.health()[0]?.breaker).toBe("closed");
  });

  it("when half-open lets exactly one probe through while concurrent requests skip the model, and closes on its success", async () => {
    const { promise: gate, resolve: openGate } = Promise.withResolvers<void>();
    const { chat, primary, backup } = chain([{ error: "server" }, { error: "server" }, { error: "server" }, { gate }]);
    for (let i = 0; i < 3; i++) await chat.generate(request);
    await vi.advanceTimersByTimeAsync(10_000);

    const halfOpen: string[] = [];
    chat.on("breakerHalfOpen", (event) => halfOpen.push(event.requestId));
    const closed: string[] = [];
    chat.on("breakerClose", (event) => closed.push(event.requestId));

    // Five requests in flight at once: the probe is held at the gate while the others decide.
    const inFlight = Array.from({ length: 5 }, () => chat.generate(request));
    await vi.advanceTimersByTimeAsync(0);
    expect(primary.calls).toHaveLength(4);
    expect(primary.inFlight).toBe(1);
    const others = await Promise.all(inFlight.slice(1));
    for (const result of others) {
      expect(result.model).toBe("scripted:backup");
      expect(result.attempts[0]).toMatchObject({ outcome: "skipped", skipReason: "half_open_probe_in_flight" });
    }
    expect(backup.calls).toHaveLength(3 + 4);

    openGate();
    const probe = await inFlight[0];
    expect(probe?.model).toBe("scripted:primary");
    expect(probe?.attempts[0]?.probe).toBe(true);
    expect(halfOpen).toEqual([probe?.requestId]);
    expect(closed).toEqual([probe?.requestId]);
    expect(chat.health()[0]?.breaker).toBe("closed");

    await chat.generate(request);
    expect(primary.calls).toHaveLength(5);
  });

  it("a failed probe opens the breaker again for another interval", async () => {
    const { chat, primary } = chain([], { error: "server" });
    for (let i = 0; i < 3; i++) await chat.generate(request);
    await vi.advanceTimersByTimeAsync(10_000);
    await chat.generate(request);
    expect(primary.calls).toHaveLength(4);
    expect(chat.health()[0]).toMatchObject({ breaker: "open", reopenAt: Date.now() + 10_000 });
    await chat.generate(request);
    expect(primary.calls).toHaveLength(4);
  });

  it("stays open after a probe ended by the caller's abort; the next request may probe at once", async () => {
    const { chat, primary } = chain([{ error: "server" }, { error: "server" }, { error: "server" }, { hang: true }]);
    for (let i = 0; i < 3; i++) await chat.generate(request);
    await vi.advanceTimersByTimeAsync(10_000);
    const controller = new AbortController();
    const probe = chat.generate(request, { signal: controller.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    expect(chat.health()[0]?.breaker).toBe("half_open");
    controller.abort();
    await probe;
    expect(chat.health()[0]?.breaker).toBe("open");

    const next = await chat.generate(request);
    expect(primary.calls).toHaveLength(5);
    expect(next.attempts[0]).toMatchObject({ model: "scripted:primary", probe: true, outcome: "success" });
    expect(chat.health()[0]?.breaker).toBe("closed");
  });

  it("a same-request retry stops once the breaker opens", async () => {
    const model = scriptedModel({ modelId: "m", default: { error: "server" } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({
      models: [
        { model, retry: { maxAttempts: 5, initialDelayMs: 1, maxDelayMs: 1 }, breaker: { consecutiveFailures: 2 } },
        { model: backup },
      ],
    });
    const pending = chat.generate(request);
    await vi.runAllTimersAsync();
    await pending;
    expect(model.calls).toHaveLength(2);
  });

  it("can count with a sampling window", async () => {
    const model = scriptedModel({ modelId: "m", default: { error: "overloaded" } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({
      models: [
        { model, retry: { maxAttempts: 1 }, breaker: { failureRate: 0.5, windowMs: 10_000, minimumRps: 0.2 } },
        { model: backup },
      ],
    });
    for (let i = 0; i < 6 && chat.health()[0]?.breaker === "closed"; i++) {
      await chat.generate(request);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(chat.health()[0]?.breaker).toBe("open");
  });

  it("can count with any cockatiel IBreaker", async () => {
    const model = scriptedModel({ modelId: "m", default: { error: "server" } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({
      models: [
        { model, retry: { maxAttempts: 1 }, breaker: { counter: () => new CountBreaker({ threshold: 0.5, size: 2 }) } },
        { model: backup },
      ],
    });
    await chat.generate(request);
    await chat.generate(request);
    expect(chat.health()[0]?.breaker).toBe("open");
  });

  it("can be turned off", async () => {
    const model = scriptedModel({ modelId: "m", default: { error: "server" } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model, retry: { maxAttempts: 1 }, breaker: false }, { model: backup }] });
    for (let i = 0; i < 10; i++) await chat.generate(request);
    expect(model.calls).toHaveLength(10);
    expect(chat.health()[0]).toMatchObject({ breaker: "closed", recentFailures: 10 });
  });

  it("isolate holds a model open until reset; reset closes it and clears its cooldown", async () => {
    const { chat, primary } = chain([]);
    chat.isolate("scripted:primary");
    const result = await chat.generate(request);
    expect(result.attempts[0]).toMatchObject({ skipReason: "isolated" });
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(chat.health()[0]?.breaker).toBe("isolated");
    chat.reset("scripted:primary");
    expect((await chat.generate(request)).model).toBe("scripted:primary");
    expect(primary.calls).toHaveLength(1);
    expect(() => chat.reset("nope")).toThrow(/"nope" is not in this chain/);
  });
});

describe("when every model is unavailable", () => {
  function allOpen(whenAllUnavailable?: "fail" | "try-nearest") {
    const a = scriptedModel({ modelId: "a", script: [{ error: "server" }] });
    const b = scriptedModel({ modelId: "b", script: [{ error: "server" }] });
    const breaker = { consecutiveFailures: 1, halfOpenAfterMs: 30_000 };
    const chat = createFallback({
      models: [
        { model: a, retry: { maxAttempts: 1 }, breaker },
        { model: b, retry: { maxAttempts: 1 }, breaker: { ...breaker, halfOpenAfterMs: 20_000 } },
      ],
      ...(whenAllUnavailable ? { whenAllUnavailable } : {}),
    });
    return { chat, a, b };
  }

  it("by default makes one attempt on the model nearest to recovery", async () => {
    const { chat, a, b } = allOpen();
    await chat.generate(request).catch(() => {});
    const result = await chat.generate(request);
    expect(result.model).toBe("scripted:b");
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(2);
    expect(result.attempts.map((x) => x.outcome)).toEqual(["skipped", "skipped", "success"]);
  });

  it("with whenAllUnavailable: fail, fails at once listing each model's state", async () => {
    const { chat, a, b } = allOpen("fail");
    await chat.generate(request).catch(() => {});
    const error = await chat.generate(request).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "all_unavailable" });
    expect((error as { models: { breaker: string }[] }).models.map((m) => m.breaker)).toEqual(["open", "open"]);
    expect((error as Error).message).toMatch(/scripted:a: skipped \(open\)/);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
  });
});
