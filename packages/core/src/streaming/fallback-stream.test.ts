import { scriptedModel } from "@understudy/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  createFallback,
  type FallbackStream,
  type FallbackStreamPart,
  isModelError,
  isRequestError,
  isStreamInterruptedError,
  type ModelEntry,
} from "../index.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };

beforeEach(() => {
  vi.useFakeTimers();
});

/** Reads a stream to its end under fake timers; returns the parts and the error, if any. */
async function readAll(stream: FallbackStream): Promise<{ parts: FallbackStreamPart[]; error?: unknown }> {
  const parts: FallbackStreamPart[] = [];
  const reading = (async () => {
    for await (const part of stream) parts.push(part);
  })().then(
    () => ({ parts }),
    (error: unknown) => ({ parts, error }),
  );
  await vi.runAllTimersAsync();
  return reading;
}

const textOf = (parts: readonly FallbackStreamPart[]) =>
  parts.map((p) => (p.type === "text-delta" ? p.text : p.type === "reset" ? "|reset|" : "")).join("");

function twoModels(primary: ModelEntry, midStream?: "error" | "restart" | "continue", backupExtra: Partial<ModelEntry> = {}) {
  const backup = scriptedModel({ modelId: "backup", default: { text: "backup answer" } });
  const chat = createFallback({ models: [primary, { model: backup, ...backupExtra }], ...(midStream ? { midStream } : {}) });
  return { chat, backup };
}

describe("stream", () => {
  it("yields the answer's parts and resolves the result with model, usage and cost", async () => {
    const model = scriptedModel({
      modelId: "m",
      default: { text: "one two three", usage: { inputTokens: 100, outputTokens: 3 } },
    });
    const chat = createFallback({ models: [{ model, price: { inputPerMillion: 3, outputPerMillion: 15 } }] });
    const stream = chat.stream(request);
    const { parts, error } = await readAll(stream);
    expect(error).toBeUndefined();
    expect(parts.map((p) => p.type)).toEqual(["text-delta", "text-delta", "text-delta", "finish"]);
    const result = await stream.result;
    expect(result).toMatchObject({ text: "one two three", model: "scripted:m", finishReason: "stop" });
    expect(result.usage).toMatchObject({ inputTokens: 100, outputTokens: 3 });
    // The terminal part carries the answering attempt's finish reason and usage.
    expect(parts.at(-1)).toEqual({ type: "finish", finishReason: "stop", usage: result.usage });
    expect(result.cost.answer).toBeCloseTo((100 * 3 + 3 * 15) / 1e6, 12);
  });

  it("falls over invisibly when the primary fails before its first part", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { error: "overloaded" } });
    const { chat } = twoModels({ model: primary, retry: { maxAttempts: 1 } });
    const stream = chat.stream(request);
    const { parts } = await readAll(stream);
    expect(textOf(parts)).toBe("backup answer");
    expect(parts.some((p) => p.type === "reset")).toBe(false);
    expect((await stream.result).fallbacks).toEqual([{ from: "scripted:primary", to: "scripted:backup", reason: "overloaded" }]);
  });

  it("falls over invisibly when the first token is late", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { delayMs: 60_000 } });
    const { chat } = twoModels({ model: primary, timeout: { firstTokenMs: 2_000 } });
    const stream = chat.stream(request);
    const { parts } = await readAll(stream);
    expect(textOf(parts)).toBe("backup answer");
    expect((await stream.result).attempts[0]).toMatchObject({ kind: "timeout", durationMs: 2_000 });
  });

  it("after content, by default ends in a typed error, never a truncated success", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "a b c d", error: "overloaded", afterChunks: 2 } });
    const { chat, backup } = twoModels({ model: primary });
    const stream = chat.stream(request);
    const { parts, error } = await readAll(stream);
    expect(textOf(parts)).toBe("a b ");
    expect(isStreamInterruptedError(error) && error.kind).toBe("overloaded");
    await expect(stream.result).rejects.toBe(error);
    expect(backup.calls).toHaveLength(0);
  });

  it("with midStream: restart, announces a reset and restarts on the next model", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "a b c d", error: "server", afterChunks: 2 } });
    const { chat } = twoModels({ model: primary, retry: { maxAttempts: 1 } }, "restart");
    const stream = chat.stream(request);
    const { parts, error } = await readAll(stream);
    expect(error).toBeUndefined();
    expect(textOf(parts)).toBe("a b |reset|backup answer");
    expect(parts.find((p) => p.type === "reset")).toEqual({ type: "reset", model: "scripted:primary", reason: "server" });
    const result = await stream.result;
    expect(result.text).toBe("backup answer");
    expect(result.attempts[0]?.usage).toMatchObject({ estimated: true, outputTokens: 1 });
  });

  it("restart is a per-call option too", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "a b c", error: "server", afterChunks: 1 } });
    const { chat } = twoModels({ model: primary, retry: { maxAttempts: 1 } });
    const { parts } = await readAll(chat.stream(request, { midStream: "restart" }));
    expect(textOf(parts)).toBe("a |reset|backup answer");
  });

  it("with midStream: continue, a prefill-accepting model continues the partial text with no reset", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "Once upon a time", error: "server", afterChunks: 2 } });
    const { chat, backup } = twoModels({ model: primary, retry: { maxAttempts: 1 } }, "continue", { acceptsPrefill: true });
    const stream = chat.stream(request);
    const { parts } = await readAll(stream);
    expect(parts.some((p) => p.type === "reset")).toBe(false);
    expect(backup.calls[0]?.request.messages.at(-1)).toEqual({ role: "assistant", content: "Once upon " });
    expect((await stream.result).text).toBe("Once upon backup answer");
  });

  it("with midStream: continue, a model without prefill restarts with a reset", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "a b c", error: "server", afterChunks: 1 } });
    const { chat, backup } = twoModels({ model: primary, retry: { maxAttempts: 1 } }, "continue");
    const { parts } = await readAll(chat.stream(request));
    expect(textOf(parts)).toBe("a |reset|backup answer");
    expect(backup.calls[0]?.request.messages).toHaveLength(1);
  });

  it("never restarts once a complete tool call reached the caller", async () => {
    const primary = scriptedModel({
      modelId: "primary",
      default: { text: "", toolCalls: [{ name: "charge_card", args: { cents: 500 } }], error: "server", afterChunks: 2 },
    });
    const { chat, backup } = twoModels({ model: primary }, "restart");
    const { parts, error } = await readAll(chat.stream(request));
    expect(parts.map((p) => p.type)).toEqual(["tool-call-delta", "tool-call"]);
    expect(isStreamInterruptedError(error) && error.afterToolCall).toBe(true);
    expect(backup.calls).toHaveLength(0);
  });

  it("a stream that ends without its terminal part is broken, not complete", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "a b c", afterChunks: 2 } });
    const { chat } = twoModels({ model: primary });
    const { error } = await readAll(chat.stream(request));
    expect(isStreamInterruptedError(error) && error.kind).toBe("stream_broken");
  });

  it("a stream cut silently by the idle timer is a timeout failure, not an empty success", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "a b c", afterChunks: 1, stall: true } });
    const { chat } = twoModels({ model: primary, timeout: { idleMs: 3_000 } }, "restart");
    const stream = chat.stream(request);
    const { parts } = await readAll(stream);
    expect(textOf(parts)).toBe("a |reset|backup answer");
    const result = await stream.result;
    expect(result.attempts[0]).toMatchObject({ outcome: "failure", kind: "timeout" });
    expect(result.attempts[0]?.message).toMatch(/idleMs/);
    expect(primaryCallAborted(primary)).toBe(true);
  });

  it("a consumer that pauses between parts is not idle", async () => {
    const model = scriptedModel({ modelId: "m", default: { text: "a b c" } });
    const chat = createFallback({ models: [{ model, timeout: { idleMs: 1_000 } }] });
    const stream = chat.stream(request);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await vi.advanceTimersByTimeAsync(10_000);
    const rest: FallbackStreamPart[] = [];
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) rest.push(step.value);
    expect(textOf(rest)).toBe("b c");
    expect((await stream.result).text).toBe("a b c");
  });

  it("break aborts the call, frees the bulkhead slot, and counts as neither success nor failure", async () => {
    const model = scriptedModel({ modelId: "m", default: { text: "a b c d e", chunkDelayMs: 100 } });
    const chat = createFallback({ models: [{ model, bulkhead: { maxConcurrent: 1 }, breaker: { consecutiveFailures: 1 } }] });
    const attempts: string[] = [];
    chat.on("attempt", (event) => attempts.push(event.record.outcome));
    const stream = chat.stream(request);
    const reading = (async () => {
      for await (const part of stream) if (part.type === "text-delta") break;
    })();
    await vi.runAllTimersAsync();
    await reading;
    const error = await stream.result.catch((e: unknown) => e);
    expect(isModelError(error) && error.kind).toBe("aborted");
    expect(model.calls[0]?.signal.aborted).toBe(true);
    expect(chat.health()[0]).toMatchObject({ inFlight: 0, breaker: "closed", recentFailures: 0 });
    expect(attempts).toEqual(["cancelled"]);
    expect((await chat.generate(request)).model).toBe("scripted:m");
  });

  it("breaker outcomes are recorded when the stream ends", async () => {
    const model = scriptedModel({ modelId: "m", default: { text: "a b c", error: "server", afterChunks: 2 } });
    const chat = createFallback({ models: [{ model, breaker: { consecutiveFailures: 1 } }] });
    const states: string[] = [];
    const stream = chat.stream(request);
    const reading = (async () => {
      for await (const _ of stream) states.push(chat.health()[0]?.breaker ?? "");
    })().catch(() => {});
    await vi.runAllTimersAsync();
    await reading;
    expect(states).toEqual(["closed", "closed"]);
    expect(chat.health()[0]?.breaker).toBe("open");
  });

  it("a stream never read makes no call and holds no timer", async () => {
    const model = scriptedModel({ modelId: "m" });
    const chat = createFallback({ models: [{ model }], deadlineMs: 1_000 });
    chat.stream(request);
    expect(vi.getTimerCount()).toBe(0);
    expect(model.calls).toHaveLength(0);
  });

  it("refuses an invalid request at once, and a second read", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "m" }) }] });
    let thrown: unknown;
    try {
      chat.stream({ messages: [] });
    } catch (error) {
      thrown = error;
    }
    expect(isRequestError(thrown)).toBe(true);
    const stream = chat.stream(request);
    const { parts } = await readAll(stream);
    expect(parts.length).toBeGreaterThan(0);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/already being read/);
  });

  it("a caller's abort mid-stream ends it with kind aborted and no fallback", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "a b c d", chunkDelayMs: 1_000 } });
    const { chat, backup } = twoModels({ model: primary }, "restart");
    const controller = new AbortController();
    const stream = chat.stream(request, { signal: controller.signal });
    const parts: FallbackStreamPart[] = [];
    const reading = (async () => {
      for await (const part of stream) {
        parts.push(part);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    const error = await reading;
    expect(isModelError(error) && error.kind).toBe("aborted");
    expect(parts).toHaveLength(1);
    expect(backup.calls).toHaveLength(0);
  });
});

function primaryCallAborted(model: { calls: readonly { signal: AbortSignal }[] }): boolean {
  return model.calls[0]?.signal.aborted === true;
}

describe("every promise a stream hands out settles", () => {
  it("a web stream cancelled before its first chunk makes no call and settles result as aborted", async () => {
    const model = scriptedModel({ modelId: "m" });
    const chat = createFallback({ models: [{ model }] });
    const stream = chat.stream(request);
    await ReadableStream.from(stream).cancel();
    const error = await stream.result.catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ModelError", kind: "aborted" });
    expect(model.calls).toHaveLength(0);
  });

  it("an iterator closed before its first next() settles result as aborted", async () => {
    const model = scriptedModel({ modelId: "m" });
    const chat = createFallback({ models: [{ model }] });
    const stream = chat.stream(request);
    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    await expect(stream.result).rejects.toMatchObject({ kind: "aborted" });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("a web stream cancelled after its first chunk aborts the call and settles result", async () => {
    const model = scriptedModel({ modelId: "m", default: { text: "one two three", chunkDelayMs: 10 } });
    const chat = createFallback({ models: [{ model }] });
    const stream = chat.stream(request);
    const reader = ReadableStream.from(stream).getReader();
    const first = reader.read();
    await vi.advanceTimersByTimeAsync(0);
    expect((await first).value).toMatchObject({ type: "text-delta", text: "one " });
    await reader.cancel();
    await expect(stream.result).rejects.toMatchObject({ kind: "aborted" });
    expect(model.calls[0]?.signal.aborted).toBe(true);
    expect(chat.health()[0]).toMatchObject({ breaker: "closed", recentFailures: 0 });
  });
});

describe("found by the adversarial suite", () => {
  it("continue never sends a prefill to a model whose adapter says it rejects one, even with acceptsPrefill", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "a b c", error: "server", afterChunks: 1 } });
    const backup = scriptedModel({ modelId: "backup", default: { text: "backup answer" }, capabilities: { prefill: false } });
    const chat = createFallback({
      models: [
        { model: primary, retry: { maxAttempts: 1 } },
        { model: backup, acceptsPrefill: true },
      ],
      midStream: "continue",
    });
    const { parts } = await readAll(chat.stream(request));
    expect(parts.some((p) => p.type === "reset")).toBe(true);
    expect(backup.calls[0]?.request.messages).toHaveLength(1);
  });

  it("a deadline that runs out while the consumer holds a part does not count against the model", async () => {
    const model = scriptedModel({ modelId: "m", default: { text: "one two three" } });
    const chat = createFallback({
      models: [{ model, breaker: { consecutiveFailures: 1 } }],
      deadlineMs: 1_000,
    });
    const stream = chat.stream(request);
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    await vi.advanceTimersByTimeAsync(0);
    expect((await first).value).toMatchObject({ type: "text-delta" });
    // The consumer sits on the first part past the deadline.
    await vi.advanceTimersByTimeAsync(1_000);
    const next = iterator.next().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    expect(await next).toMatchObject({ name: "FallbackExhaustedError", reason: "deadline" });
    const error = await stream.result.catch((e: unknown) => e);
    expect(error).toMatchObject({ attempts: [{ outcome: "cancelled", kind: "timeout" }] });
    expect(chat.health()[0]).toMatchObject({ breaker: "closed", recentFailures: 0 });
  });
});

describe("found by review", () => {
  it("a consumer's throw() through a relay stops the stream without blaming the model", async () => {
    const model = scriptedModel({ modelId: "m", default: { text: "one two three", chunkDelayMs: 10 } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({
      models: [{ model, breaker: { consecutiveFailures: 1 } }, { model: backup }],
      midStream: "restart",
    });
    const stream = chat.stream(request);
    async function* relay() {
      yield* stream;
    }
    const relayed = relay();
    const first = relayed.next();
    await vi.advanceTimersByTimeAsync(0);
    expect((await first).value).toMatchObject({ type: "text-delta" });
    const thrown = relayed.throw(new Error("the client went away")).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    expect(await thrown).toMatchObject({ message: "the client went away" });
    await expect(stream.result).rejects.toMatchObject({ kind: "aborted" });
    expect(backup.calls).toHaveLength(0);
    expect(chat.health()[0]).toMatchObject({ breaker: "closed", recentFailures: 0 });
  });

  it("a consumer that stops at finish leaves no deadline timer and no listener on its signal", async () => {
    const model = scriptedModel({ modelId: "m" });
    const chat = createFallback({ models: [{ model }], deadlineMs: 60_000 });
    const controller = new AbortController();
    let listeners = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    }) as typeof add;
    controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    }) as typeof remove;
    const iterator = chat.stream(request, { signal: controller.signal })[Symbol.asyncIterator]();
    for (;;) {
      const step = iterator.next();
      await vi.advanceTimersByTimeAsync(0);
      const { value } = await step;
      if (value?.type === "finish") break;
    }
    expect(vi.getTimerCount()).toBe(0);
    expect(listeners).toBe(0);
  });
});

describe("usage of a stream that died", () => {
  it("is estimated from every kind of output, tool arguments included, not from text alone", async () => {
    const primary = scriptedModel({
      modelId: "primary",
      default: {
        text: "",
        toolCalls: [{ name: "lookup", args: { query: "a long search query" } }],
        error: "server",
        afterChunks: 1,
      },
    });
    const { chat } = twoModels({ model: primary, retry: { maxAttempts: 1 } }, "restart");
    const stream = chat.stream(request);
    await readAll(stream);
    const [died] = (await stream.result).attempts;
    expect(died).toMatchObject({ outcome: "failure", usage: { estimated: true } });
    expect(died?.usage?.outputTokens).toBeGreaterThan(0);
  });
});
