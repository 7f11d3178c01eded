import { AsyncLocalStorage } from "node:async_hooks";
import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { createFallback, type FallbackEvents, isFallbackExhaustedError } from "../index.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };

function record(chat: ReturnType<typeof createFallback>) {
  const log: [string, Record<string, unknown>][] = [];
  const names: (keyof FallbackEvents)[] = [
    "attempt",
    "retry",
    "fallback",
    "skip",
    "success",
    "failure",
    "exhausted",
    "breakerOpen",
    "breakerHalfOpen",
    "breakerClose",
  ];
  for (const name of names) chat.on(name, (event: object) => log.push([name, event as Record<string, unknown>]));
  return log;
}

describe("events", () => {
  it("flow in order with the request id and the facts of each step", async () => {
    const a = scriptedModel({ modelId: "a", default: { error: "overloaded", status: 529 } });
    const b = scriptedModel({ modelId: "b", capabilities: { tools: false } });
    const c = scriptedModel({ modelId: "c" });
    const chat = createFallback({
      models: [
        { model: a, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 }, breaker: { consecutiveFailures: 2 } },
        { model: b },
        { model: c },
      ],
    });
    const log = record(chat);
    const result = await chat.generate({ ...request, tools: [{ name: "t", inputSchema: { type: "object" } }] });

    expect(log.map(([name]) => name)).toEqual([
      "attempt",
      "retry",
      "attempt",
      "breakerOpen",
      "skip",
      "fallback",
      "attempt",
      "success",
    ]);
    for (const [, event] of log) expect(event.requestId).toBe(result.requestId);
    expect(log[1]?.[1]).toMatchObject({ model: "scripted:a", attempt: 2, reason: "overloaded" });
    expect(log[3]?.[1]).toMatchObject({ model: "scripted:a", reason: "overloaded" });
    expect(log[4]?.[1]).toMatchObject({ model: "scripted:b", reason: "unsupported" });
    expect(log[5]?.[1]).toMatchObject({ from: "scripted:a", to: "scripted:c", reason: "overloaded" });
    expect(log[6]?.[1]).toMatchObject({ record: { model: "scripted:c", outcome: "success" } });
    expect(log[7]?.[1]).toMatchObject({ result: { model: "scripted:c" } });
    expect(result.attempts).toHaveLength(4);
  });

  it("exhausted and failure come once, with the error the caller receives", async () => {
    const a = scriptedModel({ modelId: "a", default: { error: "server" } });
    const chat = createFallback({ models: [{ model: a, retry: { maxAttempts: 1 } }] });
    const log = record(chat);
    const error = await chat.generate(request).catch((e: unknown) => e);
    expect(isFallbackExhaustedError(error)).toBe(true);
    expect(log.map(([name]) => name)).toEqual(["attempt", "exhausted", "failure"]);
    expect(log[1]?.[1].error).toBe(error);
    expect(log[2]?.[1].error).toBe(error);
  });

  it("a throwing listener never breaks a request; it is reported as listenerError", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "m" }) }] });
    const reported: unknown[] = [];
    const seen: string[] = [];
    chat.on("attempt", () => {
      throw new Error("logger down");
    });
    chat.on("attempt", () => seen.push("second listener ran"));
    chat.on("listenerError", (event) => reported.push(event.error));
    chat.on("listenerError", () => {
      throw new Error("even this one");
    });
    const result = await chat.generate(request);
    expect(result.model).toBe("scripted:m");
    expect(seen).toEqual(["second listener ran"]);
    expect(reported).toHaveLength(1);
  });

  it("once and off work on guarded listeners", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "m" }) }] });
    let onceCount = 0;
    let onCount = 0;
    const counter = () => onCount++;
    chat.once("success", () => onceCount++);
    chat.on("success", counter);
    await chat.generate(request);
    chat.off("success", counter);
    await chat.generate(request);
    expect([onceCount, onCount]).toEqual([1, 1]);
    expect(chat.listenerCount("success")).toBe(0);
  });
});

describe("concurrent requests", () => {
  it("walk the chain on their own: one request's failover does not move another", async () => {
    const { promise: gate, resolve: openGate } = Promise.withResolvers<void>();
    const primary = scriptedModel({
      modelId: "primary",
      script: (call) => (call === 1 ? { gate, error: "server" } : { gate, text: "primary answer" }),
    });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: primary, retry: { maxAttempts: 1 } }, { model: backup }] });
    const first = chat.generate(request);
    const second = chat.generate(request);
    openGate();
    const [r1, r2] = await Promise.all([first, second]);
    expect(r1.model).toBe("scripted:backup");
    expect(r2.model).toBe("scripted:primary");
    const third = await chat.generate(request);
    expect(third.model).toBe("scripted:primary");
  });

  it("per-call models pick a subset of the chain in chain order", async () => {
    const a = scriptedModel({ modelId: "a" });
    const b = scriptedModel({ modelId: "b" });
    const chat = createFallback({ models: [{ model: a }, { model: b }] });
    const result = await chat.generate(request, { models: ["scripted:b"] });
    expect(result.model).toBe("scripted:b");
    expect(a.calls).toHaveLength(0);
    await expect(chat.generate(request, { models: ["scripted:zzz"] })).rejects.toThrow(
      /options.models\[0\]: "scripted:zzz" is not in this chain/,
    );
  });
});

describe("result", () => {
  it("reports cost of the answer and of wasted attempts apart, and total usage", async () => {
    const a = scriptedModel({ modelId: "a", default: { text: "a b c d", error: "server", afterChunks: 2 } });
    const b = scriptedModel({
      modelId: "b",
      default: { text: "done", usage: { inputTokens: 1_000, outputTokens: 500, cachedInputTokens: 2_000 } },
    });
    const chat = createFallback({
      models: [
        { model: a, retry: { maxAttempts: 1 }, price: { inputPerMillion: 10, outputPerMillion: 30 } },
        { model: b, price: { inputPerMillion: 1, outputPerMillion: 2, cachedInputPerMillion: 0.1 } },
      ],
      midStream: "restart",
    });
    const stream = chat.stream(request);
    for await (const _ of stream) {
      // read to the end
    }
    const result = await stream.result;
    expect(result.cost.answer).toBeCloseTo((1_000 * 1 + 2_000 * 0.1 + 500 * 2) / 1e6, 12);
    expect(result.cost.wasted).toBeGreaterThan(0);
    expect(result.cost.total).toBeCloseTo(result.cost.answer + result.cost.wasted, 12);
    expect(result.cost.complete).toBe(true);
    expect(result.totalUsage.estimated).toBe(true);
    expect(result.totalUsage.inputTokens).toBeGreaterThan(1_000);
  });

  it("marks cost incomplete when a model that used tokens has no price", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "m" }) }] });
    expect((await chat.generate(request)).cost).toEqual({ answer: 0, wasted: 0, total: 0, complete: false });
  });

  it("merges per-model provider options under the request's own", async () => {
    const model = scriptedModel({ modelId: "m", provider: "anthropic" });
    const chat = createFallback({
      models: [{ model, providerOptions: { anthropic: { thinking: { type: "enabled" }, top_k: 5 } } }],
    });
    await chat.generate({ ...request, providerOptions: { anthropic: { top_k: 10 } } });
    expect(model.calls[0]?.request.providerOptions).toEqual({ anthropic: { thinking: { type: "enabled" }, top_k: 10 } });
  });
});

describe("listeners cannot break requests", () => {
  it("an async listener that rejects is reported as listenerError, never as an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "m" }) }] });
      const reported: unknown[] = [];
      chat.on("listenerError", (event) => reported.push(event.error));
      chat.on("success", async () => {
        await Promise.resolve();
        throw new Error("the log sink is down");
      });
      const result = await chat.generate(request);
      expect(result.model).toBe("scripted:m");
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(reported.map((e) => (e as Error).message)).toEqual(["the log sink is down"]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("the exhausted error", () => {
  it("leads with the failure a person can act on: a bad key before an outage", async () => {
    const down = scriptedModel({ modelId: "down", default: { error: "overloaded", status: 529 } });
    const badKey = scriptedModel({ modelId: "bad-key", default: { error: "auth", status: 401 } });
    const chat = createFallback({ models: [{ model: down, retry: { maxAttempts: 1 } }, { model: badKey }] });
    const error = await chat.generate(request).catch((e: unknown) => e);
    expect(isFallbackExhaustedError(error)).toBe(true);
    const [headline] = (error as Error).message.split("\n");
    expect(headline).toMatch(/^every model failed; most actionable: auth \(/);
    expect(badKey.calls).toHaveLength(1);
  });
});

describe("what integrations hang off", () => {
  it("requestStart and attemptStart come before their call, with the facts of the call", async () => {
    const a = scriptedModel({ modelId: "a", script: [{ error: "overloaded" }] });
    const b = scriptedModel({ modelId: "b" });
    const chat = createFallback({ models: [{ model: a, retry: { maxAttempts: 1 } }, { model: b }] });
    const seen: string[] = [];
    chat.on("requestStart", (e) => seen.push(`requestStart ${e.method} ${e.models.join(",")}`));
    chat.on("attemptStart", (e) => seen.push(`attemptStart ${e.model} #${e.attempt} calls=${a.calls.length + b.calls.length}`));
    chat.on("attempt", (e) => seen.push(`attempt ${e.record.model}`));
    await chat.generate(request);
    expect(seen).toEqual([
      "requestStart generate scripted:a,scripted:b",
      "attemptStart scripted:a #1 calls=0",
      "attempt scripted:a",
      "attemptStart scripted:b #1 calls=1",
      "attempt scripted:b",
    ]);
  });

  it("each attempt record carries its finish reason and, for a stream, its time to first content", async () => {
    const model = scriptedModel({ modelId: "m", default: { text: "one two", finishReason: "length", delayMs: 5 } });
    const chat = createFallback({ models: [{ model }] });
    const stream = chat.stream(request);
    for await (const _ of stream);
    const [record] = (await stream.result).attempts;
    expect(record).toMatchObject({ outcome: "success", finishReason: "length" });
    expect(record?.firstContentMs).toBeGreaterThanOrEqual(4);
    expect(record?.firstContentMs).toBeLessThanOrEqual(record?.durationMs ?? 0);
  });

  it("an attempt wrapper runs the adapter's call inside its context, first registered outermost", async () => {
    const context = new AsyncLocalStorage<string>();
    const seenInside: (string | undefined)[] = [];
    const model = scriptedModel({ modelId: "m" });
    const spy: typeof model = {
      ...model,
      generate: (req, options) => {
        seenInside.push(context.getStore());
        return model.generate(req, options);
      },
      stream: (req, options) => {
        seenInside.push(context.getStore());
        return model.stream(req, options);
      },
    };
    const chat = createFallback({ models: [{ model: spy }] });
    const order: string[] = [];
    chat.wrapAttempts((attempt, call) => {
      order.push("outer");
      return context.run(`span of ${attempt.model} #${attempt.attempt}`, call);
    });
    const remove = chat.wrapAttempts((_attempt, call) => {
      order.push("inner");
      return call();
    });
    await chat.generate(request);
    for await (const _ of chat.stream(request));
    expect(seenInside).toEqual(["span of scripted:m #1", "span of scripted:m #1"]);
    expect(order).toEqual(["outer", "inner", "outer", "inner"]);
    remove();
    await chat.generate(request);
    expect(order).toHaveLength(5);
  });

  it("a wrapper that throws is reported and the call runs once regardless", async () => {
    const model = scriptedModel({ modelId: "m" });
    const chat = createFallback({ models: [{ model }] });
    const reported: unknown[] = [];
    chat.on("listenerError", (e) => reported.push(e.event));
    chat.wrapAttempts(() => {
      throw new Error("tracer down");
    });
    chat.wrapAttempts((_attempt, call) => {
      const result = call();
      throw new Error(`after the call: ${String(result)}`);
    });
    expect((await chat.generate(request)).model).toBe("scripted:m");
    expect(model.calls).toHaveLength(1);
    expect(reported).toEqual(["attemptWrapper", "attemptWrapper"]);
  });

  it("close() flushes what the chain owns, once, and reports what failed to close without rejecting", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "m" }) }] });
    const flushed: string[] = [];
    chat.onClose(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      flushed.push("log sink");
    });
    const unregister = chat.onClose(() => {
      flushed.push("never");
    });
    unregister();
    chat.onClose(() => {
      throw new Error("exporter unreachable");
    });
    const reported: unknown[] = [];
    chat.on("listenerError", (e) => reported.push(`${e.event}: ${(e.error as Error).message}`));
    const closing = chat.close();
    expect(chat.close()).toBe(closing);
    await closing;
    expect(flushed).toEqual(["log sink"]);
    expect(reported).toEqual(["close: exporter unreachable"]);
  });
});

describe("attempt wrappers, found by review", () => {
  it("an adapter that throws at once is called once through any number of wrappers, and no wrapper is blamed", async () => {
    let calls = 0;
    const broken = scriptedModel({ modelId: "broken" });
    const throwing = {
      ...broken,
      generate: () => {
        calls++;
        throw new Error("no client");
      },
    };
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: throwing, retry: { maxAttempts: 1 } }, { model: backup }] });
    const reported: unknown[] = [];
    chat.on("listenerError", (e) => reported.push(e.error));
    chat.wrapAttempts((_attempt, call) => call());
    chat.wrapAttempts((_attempt, call) => call());
    expect((await chat.generate(request)).model).toBe("scripted:backup");
    expect(calls).toBe(1);
    expect(reported).toEqual([]);
  });

  it("a wrapper that never calls the attempt is reported, and the call is made regardless", async () => {
    const model = scriptedModel({ modelId: "m" });
    const chat = createFallback({ models: [{ model }] });
    const reported: string[] = [];
    chat.on("listenerError", (e) => reported.push(String((e.error as Error).message)));
    chat.wrapAttempts((() => undefined) as never);
    expect((await chat.generate(request)).model).toBe("scripted:m");
    expect(model.calls).toHaveLength(1);
    expect(reported).toEqual([expect.stringMatching(/returned without calling the attempt/)]);
  });
});
