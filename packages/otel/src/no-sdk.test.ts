import { metrics, trace } from "@opentelemetry/api";
import { createFallback } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ChainInstrumentation } from "./chain-instrumentation.ts";
import { useOtel } from "./test-support/otel-harness.ts";

const ask = { messages: [{ role: "user" as const, content: "Hi" }] };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("with no OpenTelemetry SDK registered", () => {
  it("holds nothing per request, asks the API for no tracer, and leaves every answer as it was", async () => {
    const getTracer = vi.spyOn(trace.getTracerProvider(), "getTracer");
    const { promise: gate, resolve: open } = Promise.withResolvers<void>();
    const primary = scriptedModel({ modelId: "primary", script: [{ error: "server", gate }] });
    const chat = createFallback({
      models: [{ model: primary, retry: { maxAttempts: 1 } }, { model: scriptedModel({ modelId: "backup" }) }],
    });
    const instrumentation = new ChainInstrumentation(chat);

    const pending = chat.generate(ask);
    await vi.waitFor(() => expect(primary.inFlight).toBe(1));
    expect(instrumentation.openRequests).toBe(0);
    open();
    await expect(pending).resolves.toMatchObject({ model: "scripted:backup", fallbacks: [{ reason: "server" }] });

    const stream = chat.stream(ask);
    for await (const _ of stream) expect(instrumentation.openRequests).toBe(0);
    await expect(stream.result).resolves.toMatchObject({ model: "scripted:primary" });
    expect(getTracer).not.toHaveBeenCalled();
    instrumentation.unwire();
  });
});

describe("an SDK registered after instrument()", () => {
  const otel = useOtel();

  it("is picked up at the next request, for spans and metrics alike", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "only" }) }] });
    const instrumentation = new ChainInstrumentation(chat);
    await chat.generate(ask);
    expect(otel().spans()).toEqual([]);

    trace.setGlobalTracerProvider(otel().tracerProvider);
    metrics.setGlobalMeterProvider(otel().meterProvider);
    await chat.generate(ask);
    expect(
      otel()
        .spans()
        .map((span) => span.name),
    ).toEqual(["chat only", "understudy generate"]);
    expect(await otel().points("gen_ai.client.operation.duration")).toHaveLength(1);
    expect(await otel().points("understudy.breaker.state")).toHaveLength(1);
    instrumentation.unwire();
  });
});
