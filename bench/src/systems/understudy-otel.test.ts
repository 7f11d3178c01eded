import { metrics, trace } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { downModelPrefix } from "../instant-fetch.ts";
import { instantEndpoint } from "../scenarios/overhead.ts";
import { understudy } from "./understudy.ts";
import { understudyOtel, understudyOtelNoSdk, understudyOtelSdk } from "./understudy-otel.ts";

const failingOver = { endpoint: instantEndpoint, primary: downModelPrefix, backup: "backup", breaker: undefined };

describe("the understudy + otel rows", () => {
  afterAll(async () => {
    await understudyOtel.shutdown?.();
  });

  it("with the SDK: a span per request and per call, and the GenAI metrics, all exported", async () => {
    const contender = await understudyOtel.create(failingOver);
    await expect(contender.generate("hi")).resolves.toBe("Io.");
    const sdk = understudyOtelSdk();
    if (!sdk) throw new Error("the row set up no SDK");
    await sdk.tracerProvider.forceFlush();
    expect(sdk.spans.getFinishedSpans().map((span) => span.name)).toEqual(["chat down", "chat backup", "understudy generate"]);
    await sdk.meterProvider.forceFlush();
    const names = sdk.metrics
      .getMetrics()
      .flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => metric.descriptor.name)));
    expect(names).toContain("gen_ai.client.operation.duration");

    await contender.release?.();
    expect(sdk.spans.getFinishedSpans()).toEqual([]);
  });

  it("with no SDK: the same answer, and no provider registered behind the API", async () => {
    const contender = await understudyOtelNoSdk.create(failingOver);
    await expect(contender.generate("hi")).resolves.toBe("Io.");
    expect(trace.getTracer("check").startSpan("check").isRecording()).toBe(false);
    expect(metrics.getMeterProvider().getMeter("check").createHistogram("check")).toBe(
      metrics.getMeterProvider().getMeter("other").createHistogram("other"),
    );
  });

  it("declare what the understudy row declares: the instrumentation changes no behaviour", () => {
    for (const system of [understudyOtel, understudyOtelNoSdk]) {
      expect(system.fallback).toBe(understudy.fallback);
      expect(system.breaker).toBe(understudy.breaker);
      expect(system.midStream).toBe(understudy.midStream);
    }
  });
});
