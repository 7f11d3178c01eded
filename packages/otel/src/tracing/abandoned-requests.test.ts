import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { createFallback, type Fallback } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ChainInstrumentation } from "../chain-instrumentation.ts";
import { collectUntil } from "../test-support/gc.ts";
import { chainSpans, childrenOf, useOtel } from "../test-support/otel-harness.ts";
import { AbandonedRequests } from "./abandoned-requests.ts";
import type { RequestTrace } from "./request-trace.ts";

const otel = useOtel();
const ask = { messages: [{ role: "user" as const, content: "Hi" }] };
const quick = { sweepEveryMs: 10, graceMs: 40 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let unwire: (() => void) | undefined;
afterEach(() => {
  unwire?.();
  unwire = undefined;
});

function streamingChain(deadlineMs?: number): Fallback {
  const model = scriptedModel({ modelId: "m", default: { text: "a b c d e f", chunks: 6, chunkDelayMs: 1 } });
  return createFallback({ models: [{ model }], ...(deadlineMs === undefined ? {} : { deadlineMs }) });
}

function wire(chat: Fallback, timing = quick): ChainInstrumentation {
  const instrumentation = new ChainInstrumentation(chat, { tracerProvider: otel().tracerProvider }, timing);
  unwire = () => instrumentation.unwire();
  return instrumentation;
}

/** Reads one part, then goes away without `return()`: a consumer that dropped the stream. */
async function readOnceAndDrop(chat: Fallback): Promise<WeakRef<object>> {
  const stream = chat.stream(ask);
  await stream[Symbol.asyncIterator]().next();
  return new WeakRef(stream);
}

function expectCancelled(spans: readonly ReadableSpan[]): void {
  const [request] = chainSpans(spans);
  expect(request?.attributes["understudy.outcome"]).toBe("cancelled");
  expect(request?.status.code).toBe(0);
  // The call in flight when the stream was dropped ends with it.
  expect(childrenOf(spans, request ?? (undefined as never)).map((span) => span.name)).toEqual(["chat m"]);
}

describe("a stream read, then dropped without return()", () => {
  it("ends its request as cancelled once the stream is garbage-collected", async () => {
    const chat = streamingChain();
    const instrumentation = wire(chat);
    const dropped = await readOnceAndDrop(chat);
    expect(instrumentation.openRequests).toBe(1);
    expect(await collectUntil(() => instrumentation.openRequests === 0)).toBe(true);
    expect(dropped.deref()).toBeUndefined();
    expectCancelled(otel().spans());
  });

  it("ends it once the chain's deadline is long past, while something still holds the stream", async () => {
    const chat = streamingChain(30);
    const instrumentation = wire(chat);
    const stream = chat.stream(ask);
    await stream[Symbol.asyncIterator]().next();
    await sleep(40);
    // Past the deadline, within the grace: the engine may still be ending it.
    expect(instrumentation.openRequests).toBe(1);
    await vi.waitFor(() => expect(instrumentation.openRequests).toBe(0), { timeout: 1_000, interval: 10 });
    expectCancelled(otel().spans());
    expect(stream).toBeDefined();
  });

  it("a call's own deadlineMs counts, and Infinity lifts the chain's", async () => {
    const chat = streamingChain(30);
    const instrumentation = wire(chat);
    const own = chat.stream(ask, { deadlineMs: 20 });
    const lifted = chat.stream(ask, { deadlineMs: Number.POSITIVE_INFINITY });
    await own[Symbol.asyncIterator]().next();
    await lifted[Symbol.asyncIterator]().next();
    expect(instrumentation.openRequests).toBe(2);
    await vi.waitFor(() => expect(instrumentation.openRequests).toBe(1), { timeout: 1_000, interval: 10 });
    await sleep(150);
    // No deadline: only its collection (or its end) ends it.
    expect(instrumentation.openRequests).toBe(1);
    expect([own, lifted]).toHaveLength(2);
  });

  it("a stream read to its end is not touched: its trace ends once, as answered", async () => {
    const chat = streamingChain(30);
    const instrumentation = wire(chat);
    const stream = chat.stream(ask);
    for await (const _ of stream);
    await stream.result;
    await sleep(100);
    expect(instrumentation.openRequests).toBe(0);
    expect(chainSpans(otel().spans()).map((span) => span.attributes["understudy.outcome"])).toEqual(["success"]);
  });
});

describe("AbandonedRequests", () => {
  it("sweeps only while a request with a deadline is open, on a timer that never keeps the process alive", async () => {
    const traces = new Map<string, RequestTrace>();
    const abandoned: string[] = [];
    const timers = vi.spyOn(globalThis, "setInterval");
    const cleared = vi.spyOn(globalThis, "clearInterval");
    const requests = new AbandonedRequests(traces, (id) => abandoned.push(id) && traces.delete(id), quick);
    const undated = { requestId: "r1", deadlineAt: undefined } as RequestTrace;
    traces.set("r1", undated);
    requests.watchDeadline(undated);
    expect(timers).not.toHaveBeenCalled();

    const dated = { requestId: "r2", deadlineAt: Date.now() } as RequestTrace;
    traces.set("r2", dated);
    requests.watchDeadline(dated);
    requests.watchDeadline(dated);
    expect(timers).toHaveBeenCalledTimes(1);
    const timer = timers.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);

    await vi.waitFor(() => expect(abandoned).toEqual(["r2"]), { timeout: 1_000, interval: 10 });
    // Nothing with a deadline is left: the sweep stopped.
    expect(cleared).toHaveBeenCalledWith(timer);
    timers.mockRestore();
    cleared.mockRestore();
    requests.stop();
  });
});
