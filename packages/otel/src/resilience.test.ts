import { type DiagLogger, diag, type Meter, type MeterProvider, metrics, type TracerProvider } from "@opentelemetry/api";
import type { SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace";
import { createFallback, type FallbackStreamPart, type ListenerErrorEvent } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { describe, expect, it, vi } from "vitest";
import { ChainInstrumentation } from "./chain-instrumentation.ts";
import { chainSpans, useOtel } from "./test-support/otel-harness.ts";

const ask = { messages: [{ role: "user" as const, content: "Hi" }] };

function chat() {
  const primary = scriptedModel({ modelId: "primary", default: { error: "overloaded" } });
  const backup = scriptedModel({ modelId: "backup", default: { text: "still here" } });
  const fallback = createFallback({ models: [{ model: primary, retry: { maxAttempts: 1 } }, { model: backup }] });
  const listenerErrors: ListenerErrorEvent[] = [];
  fallback.on("listenerError", (event) => listenerErrors.push(event));
  return { fallback, listenerErrors };
}

/** Runs a generate and a stream through the chain; both must answer as if nothing were wired. */
async function expectRequestsUnharmed(fallback: ReturnType<typeof chat>["fallback"]): Promise<void> {
  await expect(fallback.generate(ask)).resolves.toMatchObject({ text: "still here", model: "scripted:backup" });
  const parts: FallbackStreamPart[] = [];
  const stream = fallback.stream(ask);
  for await (const part of stream) parts.push(part);
  await expect(stream.result).resolves.toMatchObject({ model: "scripted:backup" });
  expect(parts.at(-1)?.type).toBe("finish");
}

function spyOnDiag(): DiagLogger["error"] {
  const error = vi.fn();
  diag.setLogger({ error, warn: vi.fn(), info: vi.fn(), debug: vi.fn(), verbose: vi.fn() });
  return error;
}

describe("a broken telemetry pipeline never breaks a request", () => {
  const throwingExporter: SpanExporter = {
    export: () => {
      throw new Error("collector unreachable");
    },
    shutdown: async () => {},
  };
  const otel = useOtel({ processors: () => [brokenProcessor] });
  const brokenProcessor: SpanProcessor = {
    onStart: () => {
      throw new Error("processor broken at start");
    },
    onEnd: () => {
      throw new Error("processor broken at end");
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };

  it("a span processor that throws on every span", async () => {
    const { fallback, listenerErrors } = chat();
    const instrumentation = new ChainInstrumentation(fallback, { tracerProvider: otel().tracerProvider });
    await expectRequestsUnharmed(fallback);
    expect(listenerErrors).toEqual([]);
    expect(instrumentation.openRequests).toBe(0);
  });

  it("an exporter that throws", async () => {
    const { fallback, listenerErrors } = chat();
    const { SimpleSpanProcessor, TracerProvider } = await import("@opentelemetry/sdk-trace");
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: throwingExporter })] });
    const instrumentation = new ChainInstrumentation(fallback, { tracerProvider: provider });
    await expectRequestsUnharmed(fallback);
    expect(listenerErrors).toEqual([]);
    expect(instrumentation.openRequests).toBe(0);
    await provider.shutdown();
    expect(chainSpans(otel().spans())).toEqual([]);
  });
});

describe("providers that throw", () => {
  useOtel();

  it("a tracer provider whose tracer throws is reported on diag, and the request goes on", async () => {
    const { fallback, listenerErrors } = chat();
    const reported = spyOnDiag();
    const tracerProvider: TracerProvider = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error("no spans today");
        },
        startActiveSpan: () => {
          throw new Error("no spans today");
        },
      }),
    };
    const instrumentation = new ChainInstrumentation(fallback, { tracerProvider });
    await expectRequestsUnharmed(fallback);
    expect(listenerErrors).toEqual([]);
    expect(reported).toHaveBeenCalledWith(expect.stringContaining("@understudy/otel"), expect.any(Error));
    expect(instrumentation.openRequests).toBe(0);
  });

  it("a meter whose instruments throw on every value", async () => {
    const { fallback, listenerErrors } = chat();
    const reported = spyOnDiag();
    const fail = () => {
      throw new Error("meter broken");
    };
    const instrument = { record: fail, add: fail, addCallback: vi.fn(), removeCallback: vi.fn() };
    const meter = {
      createHistogram: () => instrument,
      createCounter: () => instrument,
      createObservableGauge: () => instrument,
    } as unknown as Meter;
    const meterProvider: MeterProvider = { getMeter: () => meter };
    const instrumentation = new ChainInstrumentation(fallback, { meterProvider });
    await expectRequestsUnharmed(fallback);
    expect(listenerErrors).toEqual([]);
    expect(reported).toHaveBeenCalled();
    expect(instrumentation.openRequests).toBe(0);
    instrumentation.unwire();
    expect(instrument.removeCallback).toHaveBeenCalledTimes(1);
  });

  it("a diag logger that throws too", async () => {
    const { fallback, listenerErrors } = chat();
    diag.setLogger({ error: fail, warn: fail, info: fail, debug: fail, verbose: fail });
    const meterProvider: MeterProvider = {
      getMeter: () => {
        throw new Error("no meter");
      },
    };
    new ChainInstrumentation(fallback, { meterProvider });
    await expectRequestsUnharmed(fallback);
    expect(listenerErrors).toEqual([]);
  });
});

function fail(): never {
  throw new Error("logger broken");
}

describe("a span processor that throws when a call's span ends", () => {
  // Throws for the call spans only: the chain span must end all the same.
  const picky: SpanProcessor = {
    onStart: () => {},
    onEnd: (span) => {
      if (span.name.startsWith("chat ")) throw new Error("processor broken on call spans");
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const otel = useOtel({ processors: () => [picky] });

  it("the chain span still ends, answered (with content capture, the answer's span ends with the request)", async () => {
    const { fallback } = chat();
    const instrumentation = new ChainInstrumentation(fallback, { tracerProvider: otel().tracerProvider, captureContent: true });
    await expectRequestsUnharmed(fallback);
    expect(chainSpans(otel().spans()).map((span) => span.attributes["understudy.outcome"])).toEqual(["success", "success"]);
    expect(instrumentation.openRequests).toBe(0);
  });

  it("the chain span still ends when the request is cancelled mid-call", async () => {
    const { promise: gate, resolve: open } = Promise.withResolvers<void>();
    const model = scriptedModel({ modelId: "slow", script: [{ gate }] });
    const fallback = createFallback({ models: [{ model }] });
    const instrumentation = new ChainInstrumentation(fallback, { tracerProvider: otel().tracerProvider });
    const pending = fallback.generate(ask);
    await vi.waitFor(() => expect(model.inFlight).toBe(1));
    instrumentation.unwire();
    open();
    await pending;
    expect(chainSpans(otel().spans()).map((span) => span.attributes["understudy.outcome"])).toEqual(["cancelled"]);
  });
});

describe("a meter provider that fails once registered", () => {
  const otel = useOtel();

  it("measures nothing, and every span still ends", async () => {
    const { fallback, listenerErrors } = chat();
    const reported = spyOnDiag();
    const instrumentation = new ChainInstrumentation(fallback, { tracerProvider: otel().tracerProvider });
    // Registered after instrument(): found at the first call that measures, and it throws there.
    metrics.setGlobalMeterProvider({
      getMeter: () => {
        throw new Error("no meter");
      },
    });
    await expectRequestsUnharmed(fallback);
    expect(listenerErrors).toEqual([]);
    expect(reported).toHaveBeenCalledWith(expect.stringContaining("binding metrics"), expect.any(Error));
    const spans = otel().spans();
    expect(chainSpans(spans)).toHaveLength(2);
    expect(spans.filter((span) => span.name.startsWith("chat "))).toHaveLength(4);
    expect(instrumentation.openRequests).toBe(0);
  });
});
