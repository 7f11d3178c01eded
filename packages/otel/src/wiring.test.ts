import { metrics } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { createFallback, Fallback, type FallbackEvents } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { describe, expect, it, vi } from "vitest";
import { ChainInstrumentation } from "./chain-instrumentation.ts";
import { instrument } from "./index.ts";
import { chainSpans, useOtel } from "./test-support/otel-harness.ts";

const otel = useOtel();
const ask = { messages: [{ role: "user" as const, content: "Hi" }] };
const events: (keyof FallbackEvents)[] = [
  "requestStart",
  "attemptStart",
  "attempt",
  "retry",
  "fallback",
  "skip",
  "success",
  "failure",
];
const listeners = (chat: Fallback) => events.map((event) => chat.listenerCount(event));

describe("wiring and unwiring", () => {
  it("unwiring removes every listener and restores the chain's own methods; new requests make no span", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "only" }) }] });
    const before = listeners(chat);
    const unwire = instrument(chat, { tracerProvider: otel().tracerProvider });
    expect(Object.hasOwn(chat, "generate")).toBe(true);
    await chat.generate(ask);
    expect(chainSpans(otel().spans())).toHaveLength(1);

    unwire();
    unwire();
    expect(listeners(chat)).toEqual(before);
    expect(Object.hasOwn(chat, "generate")).toBe(false);
    expect(Object.hasOwn(chat, "stream")).toBe(false);
    expect(chat.generate).toBe(Fallback.prototype.generate);
    await chat.generate(ask);
    expect(chainSpans(otel().spans())).toHaveLength(1);
  });

  it("chain.close() unwires it", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "only" }) }] });
    const before = listeners(chat);
    instrument(chat, { tracerProvider: otel().tracerProvider });
    await chat.close();
    expect(listeners(chat)).toEqual(before);
    expect(Object.hasOwn(chat, "stream")).toBe(false);
  });

  it("a request in flight when unwired still answers; its spans end, as cancelled", async () => {
    const { promise: gate, resolve: open } = Promise.withResolvers<void>();
    const model = scriptedModel({ modelId: "slow", script: [{ gate }] });
    const chat = createFallback({ models: [{ model }] });
    const instrumentation = new ChainInstrumentation(chat, { tracerProvider: otel().tracerProvider });
    const pending = chat.generate(ask);
    await vi.waitFor(() => expect(model.inFlight).toBe(1));
    expect(instrumentation.openRequests).toBe(1);
    instrumentation.unwire();
    expect(instrumentation.openRequests).toBe(0);
    open();
    await expect(pending).resolves.toMatchObject({ text: "ok from slow" });
    const [request] = chainSpans(otel().spans());
    expect(request?.attributes["understudy.outcome"]).toBe("cancelled");
    expect(
      otel()
        .spans()
        .map((span) => span.name),
    ).toContain("chat slow");
  });

  it("two instrumentations of one chain each see every request; removing the first leaves the second whole", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "only" }) }] });
    const other = new InMemorySpanExporter();
    const otherProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: other })] });
    const first = instrument(chat, { tracerProvider: otel().tracerProvider });
    const second = instrument(chat, { tracerProvider: otherProvider, name: "second" });
    await chat.generate(ask);
    first();
    const stream = chat.stream(ask);
    for await (const _ of stream) {
      // Read to the end.
    }
    expect(chainSpans(otel().spans()).map((span) => span.name)).toEqual(["understudy generate"]);
    expect(chainSpans(other.getFinishedSpans()).map((span) => span.name)).toEqual([
      "understudy generate second",
      "understudy stream second",
    ]);
    second();
    // The first's wrapper stays under the second's, passing calls through: nothing is traced any more.
    await expect(chat.generate(ask)).resolves.toMatchObject({ text: "ok from only" });
    expect(chainSpans(otel().spans())).toHaveLength(1);
    expect(chainSpans(other.getFinishedSpans())).toHaveLength(2);
    await otherProvider.shutdown();
  });

  it("an explicit meterProvider is used as given, never looked up again: the API's no-op one, passed before the SDK registers, measures nothing", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "only" }) }] });
    instrument(chat, { meterProvider: metrics.getMeterProvider() });
    metrics.setGlobalMeterProvider(otel().meterProvider);
    await chat.generate(ask);
    expect(await otel().points("gen_ai.client.operation.duration")).toEqual([]);
    // Left to the default, the provider registered later is found.
    const other = createFallback({ models: [{ model: scriptedModel({ modelId: "only" }) }] });
    instrument(other);
    await other.generate(ask);
    expect(await otel().points("gen_ai.client.operation.duration")).toHaveLength(1);
  });
});
