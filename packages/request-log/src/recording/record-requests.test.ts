import { createFallback, type FallbackResult, isConfigError } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import type { LoggedRequest } from "../records/request-log-batch.ts";
import { MemorySink } from "../test-support/memory-sink.ts";
import { type RecordRequestsOptions, recordRequests } from "./record-requests.ts";
import type { DropNotice } from "./write-queue.ts";

const request = { system: "be brief", messages: [{ role: "user" as const, content: "hi" }] };
const price = { inputPerMillion: 3, outputPerMillion: 15 };

/** A primary that says 529 twice, and a backup that answers: the fallback every log must tell right. */
function overloadedPrimary() {
  const primary = scriptedModel({ modelId: "primary", default: { error: "overloaded", status: 529 } });
  const backup = scriptedModel({ modelId: "backup", default: { text: "from the backup", usage: { inputTokens: 100 } } });
  const chat = createFallback({
    models: [
      { model: primary, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 }, price },
      { model: backup, price: { inputPerMillion: 1, outputPerMillion: 2 } },
    ],
  });
  return { chat, primary, backup };
}

async function recorded(
  run: (chat: ReturnType<typeof createFallback>) => Promise<unknown>,
  chat = overloadedPrimary().chat,
  options: RecordRequestsOptions = {},
): Promise<{ logged: LoggedRequest[]; sink: MemorySink }> {
  const sink = new MemorySink();
  recordRequests(chat, sink, options);
  await run(chat);
  await chat.close();
  return { logged: sink.requests, sink };
}

describe("the records say what the chain did", () => {
  it("a 529 retried, then a fallback: one request row, one row per call, matching the result", async () => {
    let result: FallbackResult | undefined;
    const { logged } = await recorded(async (chat) => {
      result = await chat.generate(request, { tags: { feature: "search" } });
    });
    expect(logged).toHaveLength(1);
    const [{ record, attempts }] = logged as [LoggedRequest];
    if (!result) throw new Error("no result");
    expect(record).toMatchObject({
      requestId: result.requestId,
      chain: "default",
      method: "generate",
      models: ["scripted:primary", "scripted:backup"],
      tags: { feature: "search" },
      outcome: "success",
      model: "scripted:backup",
      provider: "scripted",
      modelId: "backup",
      finishReason: "stop",
      calls: 3,
      skips: 0,
      retries: 1,
      fallbacks: 1,
      resets: 0,
      durationMs: result.durationMs,
      usage: result.totalUsage,
      cost: result.cost,
    });
    expect(record.startedAt).toBeLessThanOrEqual(result.attempts[0]?.startedAt ?? 0);
    expect(record).not.toHaveProperty("errorName");
    expect(record).not.toHaveProperty("firstTokenMs");
    expect(attempts.map((a) => [a.seq, a.model, a.attempt, a.outcome, a.kind, a.status, a.fellBack])).toEqual([
      [0, "scripted:primary", 1, "failure", "overloaded", 529, false],
      [1, "scripted:primary", 2, "failure", "overloaded", 529, true],
      [2, "scripted:backup", 1, "success", undefined, undefined, false],
    ]);
    expect(attempts[1]?.waitedMs).toBeGreaterThanOrEqual(0);
    for (const [index, attempt] of attempts.entries()) {
      const source = result.attempts[index];
      expect(attempt).toMatchObject({
        requestId: result.requestId,
        startedAt: source?.startedAt,
        durationMs: source?.durationMs,
      });
    }
    expect(attempts[2]).toMatchObject({ usage: result.usage, cost: result.cost.answer, finishReason: "stop" });
  });

  it("a stream that restarts: its reset, and the time to the first token the caller saw", async () => {
    const primary = scriptedModel({ modelId: "p", default: { text: "a b c", error: "server", afterChunks: 1, delayMs: 20 } });
    const chat = createFallback({
      models: [{ model: primary, retry: { maxAttempts: 1 } }, { model: scriptedModel({ modelId: "b" }) }],
      midStream: "restart",
    });
    const { logged } = await recorded(async (c) => {
      const stream = c.stream(request);
      for await (const _ of stream) {
        // read to the end
      }
    }, chat);
    const [{ record, attempts }] = logged as [LoggedRequest];
    expect(record).toMatchObject({ method: "stream", outcome: "success", model: "scripted:b", resets: 1, fallbacks: 1 });
    expect(record.firstTokenMs).toBeGreaterThanOrEqual(15);
    expect(record.firstTokenMs).toBeLessThan(record.durationMs + 1);
    expect(attempts[0]).toMatchObject({ outcome: "failure", kind: "server", fellBack: true, usage: { estimated: true } });
    expect(attempts[0]?.firstTokenMs).toBeGreaterThanOrEqual(15);
    expect(attempts[1]?.firstTokenMs).toBeGreaterThanOrEqual(0);
  });

  it("a request no model answered: exhausted, its reason, its most actionable kind, the waste", async () => {
    const a = scriptedModel({ modelId: "a", default: { error: "auth", status: 401 } });
    const b = scriptedModel({ modelId: "b", default: { error: "server", status: 500 } });
    const chat = createFallback({ models: [{ model: a }, { model: b, retry: { maxAttempts: 1 } }] });
    const { logged } = await recorded((c) => c.generate(request).catch(() => undefined), chat);
    const [{ record, attempts }] = logged as [LoggedRequest];
    expect(record).toMatchObject({
      outcome: "exhausted",
      errorName: "FallbackExhaustedError",
      errorKind: "auth",
      exhaustedReason: "all_failed",
      calls: 2,
      fallbacks: 1,
      cost: { answer: 0, wasted: 0, total: 0, complete: true },
    });
    expect(record.errorMessage).toMatch(/every model failed/);
    expect(record).not.toHaveProperty("model");
    expect(attempts.map((row) => row.fellBack)).toEqual([true, false]);
  });

  it("skips with their reasons; a surfaced failure; a consumer that stopped reading", async () => {
    const unfit = scriptedModel({ modelId: "u", capabilities: { tools: false } });
    const refusing = scriptedModel({ modelId: "r", default: { error: "invalid_request", status: 400 } });
    const chat = createFallback({ models: [{ model: unfit }, { model: refusing }] });
    const tools = [{ name: "t", inputSchema: { type: "object" } }];
    const { logged } = await recorded(async (c) => {
      await c.generate({ ...request, tools }).catch(() => undefined);
      const stream = c.stream(request, { models: ["scripted:u"] });
      for await (const _ of stream) break;
      await stream.result.catch(() => undefined);
    }, chat);
    expect(logged.map(({ record }) => [record.outcome, record.errorKind, record.skips, record.calls])).toEqual([
      ["surfaced", "invalid_request", 1, 1],
      ["aborted", "aborted", 0, 1],
    ]);
    expect(logged[0]?.attempts[0]).toMatchObject({ outcome: "skipped", skipReason: "unsupported", attempt: 0 });
    expect(logged[1]?.attempts[0]).toMatchObject({ outcome: "cancelled", kind: "aborted" });
  });

  it("carries the chain's name and each call's tags", async () => {
    const { logged } = await recorded(
      async (chat) => {
        await chat.generate(request, { tags: { tenant: "acme" } });
        await chat.generate(request);
      },
      undefined,
      { chain: "support-bot" },
    );
    expect(logged.map(({ record }) => [record.chain, record.tags])).toEqual([
      ["support-bot", { tenant: "acme" }],
      ["support-bot", {}],
    ]);
  });
});

describe("prompts and answers", () => {
  const secret = "sk-live-0123456789abcdef";
  const own = "my-internal-token-42";
  const leaky = { system: `key ${secret}`, messages: [{ role: "user" as const, content: `token ${own}` }] };

  it("are not kept unless asked for", async () => {
    const { logged } = await recorded((chat) => chat.generate(leaky));
    expect(logged[0]?.record).not.toHaveProperty("prompt");
    expect(logged[0]?.record).not.toHaveProperty("answer");
  });

  it("when asked for, are redacted: key-shaped strings and the secrets given", async () => {
    const model = scriptedModel({ modelId: "m", default: { text: `echo ${own} and ${secret}` } });
    const { logged } = await recorded((chat) => chat.generate(leaky), createFallback({ models: [{ model }] }), {
      capture: { prompts: true, answers: true, secrets: [own] },
    });
    const { prompt, answer } = logged[0]?.record ?? {};
    expect(JSON.parse(prompt ?? "")).toEqual({
      system: "key [redacted]",
      messages: [{ role: "user", content: "token [redacted]" }],
    });
    expect(answer).toBe("echo [redacted] and [redacted]");
  });

  it("elide image data, keep tool calls, and are cut at maxChars", async () => {
    const model = scriptedModel({
      modelId: "m",
      default: { text: "x".repeat(50), toolCalls: [{ name: "look", args: { q: 1 } }] },
    });
    const image = { type: "image" as const, data: "A".repeat(5_000), mediaType: "image/png" };
    const withImage = { messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "see" }, image] }] };
    const { logged } = await recorded((chat) => chat.generate(withImage), createFallback({ models: [{ model }] }), {
      capture: { prompts: true, answers: true, maxChars: 200 },
    });
    const { prompt, answer } = logged[0]?.record ?? {};
    expect(prompt).toContain("[image image/png, 5000 base64 characters]");
    expect(prompt).not.toContain("AAAA");
    expect(answer).toBe(`${"x".repeat(50)}\n[tool call] look {"q":1}`);
    const long = await recorded(
      (chat) => chat.generate({ messages: [{ role: "user", content: "y".repeat(1_000) }] }),
      createFallback({ models: [{ model }] }),
      { capture: { prompts: true, maxChars: 100 } },
    );
    expect(long.logged[0]?.record.prompt).toMatch(/^.{100}…\[\d+ more characters not kept\]$/);
  });

  it("are sampled: none at 0, all at 1, about half at 0.5", async () => {
    const kept = async (sampleRate: number, requests: number) => {
      const { logged } = await recorded(
        async (chat) => {
          for (let i = 0; i < requests; i++) await chat.generate(request);
        },
        createFallback({ models: [{ model: scriptedModel({ modelId: "m" }) }] }),
        { capture: { prompts: true, answers: true, sampleRate } },
      );
      expect(logged).toHaveLength(requests);
      for (const { record } of logged) expect(record.prompt === undefined).toBe(record.answer === undefined);
      return logged.filter(({ record }) => record.prompt !== undefined).length;
    };
    expect(await kept(0, 50)).toBe(0);
    expect(await kept(1, 50)).toBe(50);
    // 400 draws at 0.5: outside 130..270 with a probability under 1e-11.
    const half = await kept(0.5, 400);
    expect(half).toBeGreaterThan(130);
    expect(half).toBeLessThan(270);
  });
});

describe("writing never blocks or fails a request", () => {
  it("a full buffer drops the newest requests and counts them; requests go on at full speed", async () => {
    const { chat } = overloadedPrimary();
    const sink = new MemorySink();
    const { promise: stalled, resolve: unstall } = Promise.withResolvers<void>();
    sink.behaviour = stalled;
    const drops: DropNotice[] = [];
    const recording = recordRequests(chat, sink, { bufferSize: 5, batchSize: 2, onDrop: (notice) => drops.push(notice) });
    const started = performance.now();
    // The scripted model answers in microtasks: twenty requests end before the first write can start.
    for (let i = 0; i < 20; i++) await chat.generate(request, { models: ["scripted:backup"] });
    expect(performance.now() - started).toBeLessThan(1_000);
    await new Promise((resolve) => setImmediate(resolve));
    // Five buffered (two of them now in the stalled write), fifteen dropped.
    expect(recording.stats()).toEqual({ written: 0, failed: 0, dropped: 15, pending: 5 });
    expect(sink.writesInFlight).toBe(1);
    for (let i = 0; i < 5; i++) await chat.generate(request, { models: ["scripted:backup"] });
    // Three waiting behind the stalled write, room for two more: three of these five dropped.
    expect(recording.stats()).toEqual({ written: 0, failed: 0, dropped: 18, pending: 7 });
    expect(drops.every((drop) => drop.reason === "buffer_full")).toBe(true);
    expect(drops.reduce((sum, drop) => sum + drop.count, 0)).toBe(18);
    unstall();
    await chat.close();
    expect(recording.stats()).toEqual({ written: 7, failed: 0, dropped: 18, pending: 0 });
    expect(sink.requests).toHaveLength(7);
    expect(sink.reportedDrops).toBe(18);
    expect(sink.maxWritesInFlight).toBe(1);
  });

  it("a sink that throws or rejects never fails a request; its batches count as failed and are reported as dropped", async () => {
    const { chat } = overloadedPrimary();
    const sink = new MemorySink();
    const drops: DropNotice[] = [];
    const recording = recordRequests(chat, sink, { batchSize: 1, onDrop: (notice) => drops.push(notice) });
    sink.behaviour = "throw";
    expect((await chat.generate(request)).model).toBe("scripted:backup");
    await recording.flush();
    sink.behaviour = "reject";
    expect((await chat.generate(request)).model).toBe("scripted:backup");
    await recording.flush();
    sink.behaviour = "store";
    await chat.generate(request);
    await chat.close();
    expect(recording.stats()).toEqual({ written: 1, failed: 2, dropped: 0, pending: 0 });
    expect(drops.map((drop) => [drop.reason, drop.count, String(drop.error)])).toEqual([
      ["write_failed", 1, "Error: the sink threw"],
      ["write_failed", 1, "Error: the sink is down"],
    ]);
    expect(sink.reportedDrops).toBe(2);
  });

  it("a sink that never settles a write is given up on after writeTimeoutMs, and close() still ends", async () => {
    const { chat } = overloadedPrimary();
    const sink = new MemorySink();
    sink.behaviour = new Promise<void>(() => {});
    const recording = recordRequests(chat, sink, { writeTimeoutMs: 50 });
    await chat.generate(request);
    await chat.close();
    expect(recording.stats()).toMatchObject({ written: 0, failed: 1, pending: 0 });
  });

  it("an onDrop that throws changes nothing", async () => {
    const { chat } = overloadedPrimary();
    const sink = new MemorySink();
    sink.behaviour = "reject";
    const recording = recordRequests(chat, sink, {
      onDrop: () => {
        throw new Error("the alerting is down too");
      },
    });
    expect((await chat.generate(request)).model).toBe("scripted:backup");
    await chat.close();
    expect(recording.stats().failed).toBe(1);
  });
});

describe("flushing and stopping", () => {
  it("chain.close() writes what is buffered and closes the sink, once", async () => {
    const { chat } = overloadedPrimary();
    const sink = new MemorySink();
    const recording = recordRequests(chat, sink, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 3; i++) await chat.generate(request);
    expect(sink.requests).toHaveLength(0);
    await chat.close();
    expect(sink.requests).toHaveLength(3);
    expect(sink.closed).toBe(1);
    await recording();
    expect(sink.closed).toBe(1);
  });

  it("a small batch is written after flushIntervalMs, a full one at once", async () => {
    const { chat } = overloadedPrimary();
    const sink = new MemorySink();
    recordRequests(chat, sink, { flushIntervalMs: 30, batchSize: 3 });
    await chat.generate(request);
    expect(sink.batches).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sink.batches.map((batch) => batch.requests.length)).toEqual([1]);
    for (let i = 0; i < 3; i++) await chat.generate(request);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.batches.map((batch) => batch.requests.length)).toEqual([1, 3]);
    await chat.close();
  });

  it("stopping stops listening, counts requests in flight as dropped, and leaves a shared sink open", async () => {
    const { promise: gate, resolve: open } = Promise.withResolvers<void>();
    const model = scriptedModel({ modelId: "m", default: { gate } });
    const chat = createFallback({ models: [{ model }] });
    const sink = new MemorySink();
    const recording = recordRequests(chat, sink, { closeSink: false });
    const inFlight = chat.generate(request);
    await new Promise((resolve) => setImmediate(resolve));
    await recording();
    open();
    await inFlight;
    await chat.generate(request);
    expect(sink.requests).toHaveLength(0);
    expect(sink.reportedDrops).toBe(1);
    expect(recording.stats()).toEqual({ written: 0, failed: 0, dropped: 1, pending: 0 });
    expect(sink.closed).toBe(0);
    await chat.close();
    expect(sink.closed).toBe(0);
  });

  it("refuses options that cannot work, naming them", () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "m" }) }] });
    const sink = new MemorySink();
    for (const [options, path] of [
      [{ bufferSize: 0 }, "options.bufferSize"],
      [{ batchSize: 1.5 }, "options.batchSize"],
      [{ capture: { sampleRate: 2 } }, "options.capture.sampleRate"],
      [{ capture: { maxChars: -1 } }, "options.capture.maxChars"],
    ] as const) {
      const error = (() => {
        try {
          recordRequests(chat, sink, options);
        } catch (thrown) {
          return thrown;
        }
      })();
      expect(isConfigError(error) && error.path).toBe(path);
    }
  });
});
