// OpenTelemetry: Claude answers 529, GPT answers; the request's span tree and a few metric points, from an in-memory SDK.
import { context, type HrTime, metrics, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { type DataPoint, type Histogram, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { anthropic } from "@understudy/anthropic";
import { createFallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import { instrument } from "@understudy/otel";
import { FaultServer, faults } from "@understudy/testing";

// A local server speaking both providers' wire formats stands in for them: no keys needed.
const server = await FaultServer.start();
server.script("claude-sonnet-4-6", () => faults.overloaded());

/** A metric reader that collects when asked (an app would export every minute instead). */
class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

// #region sdk
// The app's SDK, not understudy's: an async context manager (so spans nest across `await`),
// spans kept in memory, metrics read on demand, and fetch traced (the SDKs' HTTP calls).
// In production: NodeSDK, or the same providers with OTLP exporters.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const spans = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
const reader = new OnDemandReader();
const meterProvider = new MeterProvider({ readers: [reader] });
trace.setGlobalTracerProvider(tracerProvider);
metrics.setGlobalMeterProvider(meterProvider);
const undici = new UndiciInstrumentation();
// The Anthropic SDK traces its own calls with the global provider too (`anthropic.messages.create`).
// #endregion sdk

try {
  // #region instrument
  // With real providers, drop `baseURL` and `apiKey`: the SDKs read ANTHROPIC_API_KEY and OPENAI_API_KEY.
  const chat = createFallback({
    models: [
      {
        model: anthropic("claude-sonnet-4-6", { baseURL: server.anthropicBaseURL, apiKey: "not-a-real-key" }),
        // One call, and a breaker that opens at the first failure: the trace shows both.
        retry: { maxAttempts: 1 },
        breaker: { consecutiveFailures: 1, halfOpenAfterMs: 30_000 },
        price: { inputPerMillion: 3, outputPerMillion: 15 },
      },
      {
        model: openai("gpt-4.1-mini", { baseURL: server.openaiBaseURL, apiKey: "not-a-real-key" }),
        price: { inputPerMillion: 0.4, outputPerMillion: 1.6 },
      },
    ],
    deadlineMs: 30_000,
  });
  // Spans and metrics go to the providers registered above.
  instrument(chat, { name: "support-answers" });

  // The app's own span (an HTTP handler's, say): the chain span becomes its child.
  const tracer = trace.getTracer("support-app");
  const result = await tracer.startActiveSpan("POST /support", { kind: SpanKind.SERVER }, async (span) => {
    try {
      return await chat.generate({ messages: [{ role: "user", content: "Where is my parcel?" }], maxTokens: 100 });
    } finally {
      span.end();
    }
  });
  // #endregion instrument
  console.log(`answered by ${result.model}\n`);

  console.log("spans:");
  for (const line of spanTree(spans.getFinishedSpans())) console.log(line);

  console.log("\nmetrics:");
  for (const line of await metricPoints(reader)) console.log(line);
  await chat.close();
} finally {
  undici.disable();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
  await server.close();
}

/** Finished spans as a tree, children in start order, span events under their span, a few attributes each. */
function spanTree(all: readonly ReadableSpan[]): string[] {
  // The full list of attributes is in docs/tracing-and-metrics.md.
  const shownAttributes = [
    "gen_ai.provider.name",
    "error.type",
    "understudy.http.status",
    "http.response.status_code",
    "gen_ai.response.finish_reasons",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "understudy.outcome",
    "understudy.answer.model",
    "understudy.attempt_count",
    "understudy.fallback_count",
  ];
  const kindNames = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];
  const ids = new Set(all.map((span) => span.spanContext().spanId));
  const childrenOf = (id: string | undefined) =>
    all
      .filter((span) =>
        id === undefined ? !ids.has(span.parentSpanContext?.spanId ?? "") : span.parentSpanContext?.spanId === id,
      )
      .sort((a, b) => nanos(a.startTime) - nanos(b.startTime));
  const lines: string[] = [];
  const walk = (span: ReadableSpan, prefix: string, last: boolean, root: boolean) => {
    const status = span.status.code === 2 ? " ERROR" : "";
    const attributes = shownAttributes
      .filter((key) => span.attributes[key] !== undefined)
      .map((key) => `${key}=${JSON.stringify(span.attributes[key])}`);
    const branch = root ? "" : last ? "└─ " : "├─ ";
    lines.push(
      `  ${prefix}${branch}${span.name} [${kindNames[span.kind] ?? span.kind}${status}] ${attributes.join(" ")}`.trimEnd(),
    );
    const inner = root ? prefix : `${prefix}${last ? "   " : "│  "}`;
    for (const event of span.events) {
      const detail = Object.entries(event.attributes ?? {}).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
      lines.push(`  ${inner}· event ${event.name} ${detail.join(" ")}`);
    }
    const children = childrenOf(span.spanContext().spanId);
    for (const [index, child] of children.entries()) walk(child, inner, index === children.length - 1, false);
  };
  for (const root of childrenOf(undefined)) walk(root, "", true, true);
  return lines;
}

function nanos([seconds, fraction]: HrTime): number {
  return seconds * 1e9 + fraction;
}

/** Some of the metrics' points, collected now. */
async function metricPoints(from: MetricReader): Promise<string[]> {
  const shown = [
    "gen_ai.client.operation.duration",
    "gen_ai.client.token.usage",
    "understudy.fallbacks",
    "understudy.breaker.state",
    "understudy.cost.answered",
  ];
  const { resourceMetrics } = await from.collect();
  return resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => shown.includes(metric.descriptor.name))
    .flatMap((metric) =>
      (metric.dataPoints as DataPoint<number | Histogram>[]).map(
        (point) => `  ${metric.descriptor.name} ${describePoint(point)}`,
      ),
    );
}

/** One data point: its attributes that tell points apart, and a sum or a histogram's count and sum. */
function describePoint(point: DataPoint<number | Histogram>): string {
  const keys = ["gen_ai.request.model", "error.type", "gen_ai.token.type", "understudy.model", "understudy.reason"];
  const labels = keys.filter((key) => point.attributes[key] !== undefined).map((key) => `${key}=${point.attributes[key]}`);
  const value =
    typeof point.value === "number"
      ? `= ${Number(point.value.toFixed(6))}`
      : `count=${point.value.count} sum=${Number((point.value.sum ?? 0).toFixed(3))}`;
  return `{${labels.join(", ")}} ${value}`;
}
