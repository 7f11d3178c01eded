import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import {
  type AttemptRecord,
  createFallback,
  type FailureEvent,
  isModelError,
  type RequestStartEvent,
  type ResetEvent,
} from "../index.ts";

// What an integration (a request log, a tracer) needs from the events without wrapping any method.

const request = { system: "be brief", messages: [{ role: "user" as const, content: "hi" }] };

describe("requestStart carries what a log files a request under", () => {
  it("the caller's tags, copied and frozen, and the validated request", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "m" }) }] });
    const starts: RequestStartEvent[] = [];
    chat.on("requestStart", (event) => starts.push(event));
    const tags: Record<string, string> = { feature: "search", tenant: "acme" };
    const result = await chat.generate(request, { tags });
    tags.feature = "changed after the call";
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({ requestId: result.requestId, method: "generate", models: ["scripted:m"] });
    expect(starts[0]?.tags).toEqual({ feature: "search", tenant: "acme" });
    expect(Object.isFrozen(starts[0]?.tags)).toBe(true);
    expect(starts[0]?.request).toBe(request);
  });

  it("empty tags when the call has none, on streams too", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "m" }) }] });
    const starts: RequestStartEvent[] = [];
    chat.on("requestStart", (event) => starts.push(event));
    const stream = chat.stream(request);
    for await (const _ of stream) {
      // read to the end
    }
    expect(starts.map((start) => [start.method, start.tags])).toEqual([["stream", {}]]);
  });
});

describe("reset", () => {
  it("fires once when a stream that showed content restarts on the next model, before the reset part", async () => {
    const primary = scriptedModel({ modelId: "p", default: { text: "a b c", error: "overloaded", afterChunks: 1 } });
    const chat = createFallback({
      models: [{ model: primary, retry: { maxAttempts: 1 } }, { model: scriptedModel({ modelId: "b" }) }],
      midStream: "restart",
    });
    const seen: string[] = [];
    const resets: ResetEvent[] = [];
    chat.on("reset", (event) => {
      resets.push(event);
      seen.push("event");
    });
    const stream = chat.stream(request);
    for await (const part of stream) if (part.type === "reset") seen.push("part");
    const { requestId } = await stream.result;
    expect(resets).toEqual([{ requestId, model: "scripted:p", reason: "overloaded" }]);
    expect(seen).toEqual(["event", "part"]);
  });

  it("does not fire for a stream that fails over before showing anything", async () => {
    const primary = scriptedModel({ modelId: "p", default: { error: "overloaded" } });
    const chat = createFallback({
      models: [{ model: primary, retry: { maxAttempts: 1 } }, { model: scriptedModel({ modelId: "b" }) }],
      midStream: "restart",
    });
    let resets = 0;
    chat.on("reset", () => resets++);
    for await (const _ of chat.stream(request)) {
      // read to the end
    }
    expect(resets).toBe(0);
  });
});

describe("a consumer that stops reading", () => {
  it("ends the request with one `failure` (aborted) and its cancelled attempt", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "m", default: { text: "a b c d" } }) }] });
    const failures: FailureEvent[] = [];
    chat.on("failure", (event) => failures.push(event));
    const stream = chat.stream(request);
    for await (const part of stream) if (part.type === "text-delta") break;
    const error = await stream.result.catch((e: unknown) => e);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.error).toBe(error);
    expect(isModelError(error) && error.kind).toBe("aborted");
    expect(failures[0]?.attempts.map((a) => a.outcome)).toEqual(["cancelled"]);
  });

  it("a stream closed before it was read makes no request, so no event", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "m" }) }] });
    const events: string[] = [];
    chat.on("requestStart", () => events.push("start"));
    chat.on("failure", () => events.push("failure"));
    const stream = chat.stream(request);
    await stream[Symbol.asyncIterator]().return?.();
    await stream.result.catch(() => undefined);
    expect(events).toEqual([]);
  });
});

describe("each attempt's cost", () => {
  it("prices every call of a priced model; the answer's is cost.answer and the rest add up to cost.wasted", async () => {
    const usage = { inputTokens: 1_000, outputTokens: 100 };
    const primary = scriptedModel({ modelId: "p", default: { error: "server", usage } });
    const backup = scriptedModel({ modelId: "b", default: { usage } });
    const unpriced = scriptedModel({ modelId: "u", capabilities: { tools: false } });
    const chat = createFallback({
      models: [
        { model: primary, retry: { maxAttempts: 1 }, price: { inputPerMillion: 3, outputPerMillion: 15 } },
        { model: unpriced },
        { model: backup, price: { inputPerMillion: 1, outputPerMillion: 2 } },
      ],
    });
    const result = await chat.generate({ ...request, tools: [{ name: "t", inputSchema: { type: "object" } }] });
    const costs = result.attempts.map((attempt: AttemptRecord) => [attempt.model, attempt.outcome, attempt.cost]);
    expect(costs).toEqual([
      ["scripted:p", "failure", undefined],
      ["scripted:u", "skipped", undefined],
      ["scripted:b", "success", expect.closeTo((1_000 * 1 + 100 * 2) / 1e6, 15)],
    ]);
    expect(result.cost.answer).toBe(result.attempts[2]?.cost);
  });

  it("a stream cut mid-answer prices its estimated usage as waste", async () => {
    const primary = scriptedModel({ modelId: "p", default: { text: "a b c d", error: "server", afterChunks: 2 } });
    const chat = createFallback({
      models: [
        { model: primary, retry: { maxAttempts: 1 }, price: { inputPerMillion: 3, outputPerMillion: 15 } },
        { model: scriptedModel({ modelId: "b" }), price: { inputPerMillion: 1, outputPerMillion: 2 } },
      ],
      midStream: "restart",
    });
    const stream = chat.stream(request);
    for await (const _ of stream) {
      // read to the end
    }
    const { attempts, cost } = await stream.result;
    expect(attempts[0]?.usage?.estimated).toBe(true);
    expect(attempts[0]?.cost).toBeGreaterThan(0);
    expect(cost.wasted).toBeCloseTo(attempts[0]?.cost ?? 0, 15);
  });
});
