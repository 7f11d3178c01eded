import { SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { type ChatRequest, createFallback, type Fallback, type FallbackResult } from "@understudy/core";
import { type ScriptStep, scriptedModel } from "@understudy/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChainInstrumentation } from "./chain-instrumentation.ts";
import { chainSpans, childrenOf, useOtel } from "./test-support/otel-harness.ts";

// Hedged requests (a primary with `hedge: { afterMs: 500 }`, the backup called
// beside it when it is slow) through a real chain of scripted models, on a fake
// clock, into the real SDK's in-memory exporter.

const otel = useOtel();
const ask: ChatRequest = { messages: [{ role: "user", content: "Where is my parcel?" }], maxTokens: 100 };
const price = { inputPerMillion: 1_000_000, outputPerMillion: 1_000_000 };
const primary = "scripted:primary";
const backup = "scripted:backup";

beforeEach(() => {
  // Timers and Date only: the SDK's span clock (performance) stays real.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
});

afterEach(() => {
  vi.useRealTimers();
});

/** The span active when each model was called, by model id: the call's own span, if the instrumentation set it. */
type ActiveAtCall = Record<string, string | undefined>;

/** A primary that hedges to a backup after 500 ms; each does what its queue says, and notes the span active at its call. */
function hedgedChain(queues: Record<string, ScriptStep[]>, active: ActiveAtCall = {}): Fallback {
  const model = (id: string) =>
    scriptedModel({
      modelId: id,
      script: () => {
        active[id] = trace.getActiveSpan()?.spanContext().spanId;
        return queues[id]?.shift() ?? {};
      },
    });
  return createFallback({
    models: [
      { model: model("primary"), hedge: { afterMs: 500 }, retry: { maxAttempts: 1 }, breaker: false, price },
      { model: model("backup"), retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10 }, breaker: false, price },
    ],
    hedging: { maxShare: 1, burst: 10 },
  });
}

function wire(chat: Fallback): ChainInstrumentation {
  return new ChainInstrumentation(chat, { tracerProvider: otel().tracerProvider, meterProvider: otel().meterProvider });
}

/** Runs one request on the fake clock (a stream read to its end); resolves with its result, or the error it failed with. */
async function run(chat: Fallback, method: "generate" | "stream", signal?: AbortSignal): Promise<FallbackResult | unknown> {
  const pending = (async () => {
    if (method === "generate") return chat.generate(ask, signal ? { signal } : {});
    const stream = chat.stream(ask, signal ? { signal } : {});
    for await (const _part of stream);
    return stream.result;
  })().catch((error: unknown) => error);
  await vi.advanceTimersByTimeAsync(5_000);
  return pending;
}

/** The request's chain span and its call spans, by model. */
function requestSpans(): { request: ReadableSpan; calls: ReadableSpan[]; of: (model: string) => ReadableSpan[] } {
  const spans = otel().spans();
  const [request, ...others] = chainSpans(spans);
  if (!request || others.length > 0) throw new Error(`expected one chain span, got ${chainSpans(spans).length}`);
  const calls = childrenOf(spans, request);
  return { request, calls, of: (model) => calls.filter((span) => span.attributes["understudy.model"] === model) };
}

describe("a hedged request, traced", () => {
  it("the hedge wins: a span per call, both under the chain span; the slow call lost to the backup, cancelled, not an error", async () => {
    const active: ActiveAtCall = {};
    const chat = hedgedChain({ primary: [{ delayMs: 3_000 }], backup: [{ delayMs: 200 }] }, active);
    const instrumentation = wire(chat);
    const result = (await run(chat, "stream")) as FallbackResult;
    expect(result.model).toBe(backup);

    const { request, calls, of } = requestSpans();
    expect(calls.map((span) => span.name)).toEqual(["chat primary", "chat backup"]);
    const [slow] = of(primary);
    const [hedge] = of(backup);
    expect(slow?.attributes).toMatchObject({
      "understudy.attempt.outcome": "cancelled",
      "error.type": "aborted",
      "understudy.hedge.lost_to": backup,
      "understudy.usage.estimated": true,
    });
    expect(slow?.attributes["understudy.hedge"]).toBeUndefined();
    expect(slow?.status.code).toBe(SpanStatusCode.UNSET);
    expect(hedge?.attributes).toMatchObject({
      "understudy.hedge": true,
      "understudy.attempt": 1,
      "understudy.attempt.outcome": "success",
      "gen_ai.request.stream": true,
    });
    expect(hedge?.attributes["understudy.hedge.lost_to"]).toBeUndefined();
    expect(hedge?.attributes["error.type"]).toBeUndefined();
    expect(hedge?.status.code).toBe(SpanStatusCode.UNSET);
    // Each call ran with its own span active: the hedge's was not mistaken for the slow call's.
    expect(active).toEqual({ primary: slow?.spanContext().spanId, backup: hedge?.spanContext().spanId });

    expect(request.attributes).toMatchObject({
      "understudy.outcome": "success",
      "understudy.answer.model": backup,
      "understudy.attempt_count": 2,
      "understudy.fallback_count": 0,
      "understudy.hedge_count": 1,
      "understudy.hedge_won_count": 1,
      "understudy.hedges": [`${primary} -> ${backup}: won by ${backup}`],
      "understudy.cost.wasted": result.cost.wasted,
    });
    expect(result.cost.wasted).toBeGreaterThan(0);
    expect(request.status.code).toBe(SpanStatusCode.UNSET);
    expect(request.events.map((event) => [event.name, event.attributes])).toEqual([
      [
        "understudy.hedge.start",
        { "understudy.hedge.from": primary, "understudy.hedge.to": backup, "understudy.hedge.after_ms": 500 },
      ],
      [
        "understudy.hedge.end",
        { "understudy.hedge.from": primary, "understudy.hedge.to": backup, "understudy.hedge.winner": backup },
      ],
    ]);
    expect(instrumentation.openRequests).toBe(0);
  });

  it("the slow model wins: the hedge's span says it lost to the primary", async () => {
    const chat = hedgedChain({ primary: [{ delayMs: 700 }], backup: [{ delayMs: 1_000 }] });
    wire(chat);
    const result = (await run(chat, "generate")) as FallbackResult;
    expect(result.model).toBe(primary);
    const { request, of } = requestSpans();
    const [hedge] = of(backup);
    expect(hedge?.attributes).toMatchObject({
      "understudy.hedge": true,
      "understudy.attempt.outcome": "cancelled",
      "understudy.hedge.lost_to": primary,
    });
    expect(hedge?.status.code).toBe(SpanStatusCode.UNSET);
    expect(of(primary)[0]?.attributes).toMatchObject({ "understudy.attempt.outcome": "success" });
    expect(request.attributes).toMatchObject({
      "understudy.hedge_count": 1,
      "understudy.hedge_won_count": 0,
      "understudy.hedges": [`${primary} -> ${backup}: won by ${primary}`],
    });
  });

  it("the hedge fails: its span is an error of its own, and the primary's answer ends the request", async () => {
    const chat = hedgedChain({ primary: [{ delayMs: 1_500 }], backup: [{ delayMs: 100, error: "overloaded", status: 529 }] });
    wire(chat);
    const result = (await run(chat, "generate")) as FallbackResult;
    expect(result.model).toBe(primary);
    const { request, of } = requestSpans();
    const [hedge] = of(backup);
    expect(hedge?.attributes).toMatchObject({
      "understudy.hedge": true,
      "understudy.attempt.outcome": "failure",
      "error.type": "overloaded",
      "understudy.http.status": 529,
    });
    expect(hedge?.status.code).toBe(SpanStatusCode.ERROR);
    expect(of(primary)[0]?.status.code).toBe(SpanStatusCode.UNSET);
    expect(request.attributes).toMatchObject({
      "understudy.outcome": "success",
      "understudy.fallback_count": 0,
      "understudy.hedge_count": 1,
      "understudy.hedge_won_count": 0,
    });
  });

  it("both fail and the backup's retry fails too: every call's span ends, and the hedge had no winner", async () => {
    const chat = hedgedChain({
      primary: [{ delayMs: 800, error: "server" }],
      backup: [
        { delayMs: 100, error: "server" },
        { delayMs: 100, error: "server" },
      ],
    });
    const instrumentation = wire(chat);
    await run(chat, "generate");
    const { request, calls } = requestSpans();
    expect(calls.map((span) => [span.attributes["understudy.model"], span.attributes["understudy.hedge"] ?? false])).toEqual([
      [primary, false],
      [backup, true],
      [backup, false],
    ]);
    expect(calls.every((span) => span.ended && span.status.code === SpanStatusCode.ERROR)).toBe(true);
    expect(request.attributes).toMatchObject({
      "understudy.outcome": "failure",
      "error.type": "exhausted",
      "understudy.hedge_count": 1,
      "understudy.hedge_won_count": 0,
      "understudy.hedges": [`${primary} -> ${backup}: no winner`],
    });
    expect(request.events.find((event) => event.name === "understudy.hedge.end")?.attributes).toEqual({
      "understudy.hedge.from": primary,
      "understudy.hedge.to": backup,
    });
    expect(instrumentation.openRequests).toBe(0);
  });

  it("the caller aborts during the race: both calls' spans end as cancelled, and nothing is left open", async () => {
    const chat = hedgedChain({ primary: [{ delayMs: 5_000 }], backup: [{ delayMs: 5_000 }] });
    const instrumentation = wire(chat);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 800);
    await run(chat, "generate", controller.signal);
    const { request, calls } = requestSpans();
    expect(calls.map((span) => [span.attributes["understudy.model"], span.attributes["understudy.attempt.outcome"]])).toEqual([
      [primary, "cancelled"],
      [backup, "cancelled"],
    ]);
    expect(calls.every((span) => span.status.code === SpanStatusCode.UNSET)).toBe(true);
    expect(request.attributes).toMatchObject({ "understudy.outcome": "cancelled", "understudy.hedge_count": 1 });
    expect(instrumentation.openRequests).toBe(0);
  });

  it("a request without a hedge says so: zero hedges, no hedge attributes on its call", async () => {
    const chat = hedgedChain({ primary: [{ delayMs: 100 }] });
    wire(chat);
    await run(chat, "generate");
    const { request, calls } = requestSpans();
    expect(request.attributes).toMatchObject({ "understudy.hedge_count": 0, "understudy.hedge_won_count": 0 });
    expect(request.attributes["understudy.hedges"]).toBeUndefined();
    expect(request.events).toEqual([]);
    expect(Object.keys(calls[0]?.attributes ?? {}).filter((key) => key.startsWith("understudy.hedge"))).toEqual([]);
  });

  it("metrics: the lost call is counted as cancelled, not as the model's error; its estimated tokens are no token count", async () => {
    const chat = hedgedChain({ primary: [{ delayMs: 3_000 }], backup: [{ delayMs: 200 }] });
    wire(chat);
    const result = (await run(chat, "generate")) as FallbackResult;
    const durations = await otel().points("gen_ai.client.operation.duration");
    const lost = durations.filter((point) => point.attributes["gen_ai.request.model"] === "primary");
    expect(lost.map((point) => point.attributes["understudy.attempt.outcome"])).toEqual(["cancelled"]);
    expect(lost[0]?.attributes["error.type"]).toBeUndefined();
    const tokens = await otel().points("gen_ai.client.token.usage");
    expect(tokens.filter((point) => point.attributes["gen_ai.request.model"] === "primary")).toEqual([]);
    // The lost call's cost is the request's waste, put on the model that wasted it.
    expect(await otel().points("understudy.cost.wasted")).toEqual([
      { attributes: { "understudy.model": primary }, value: result.cost.wasted },
    ]);
  });
});
