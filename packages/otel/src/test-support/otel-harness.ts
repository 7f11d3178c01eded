// A real OpenTelemetry SDK per test: spans to memory, metrics read on demand,
// async context propagation on; everything shut down after the test.
import { type Attributes, type Context, context, diag, metrics, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  type DataPoint,
  DataPointType,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  TracerProvider as SdkTracerProvider,
  SimpleSpanProcessor,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { afterEach, beforeEach } from "vitest";

/** A metric reader that collects only when asked: no timer to leak. */
class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** One data point of a metric, simplified: a number (sums, gauges) or a histogram. */
export interface Point {
  readonly attributes: Attributes;
  readonly value: number | Histogram;
}

/** The SDK of one test. */
export interface Otel {
  readonly tracerProvider: SdkTracerProvider;
  readonly meterProvider: MeterProvider;
  /** Every finished span so far. */
  spans(): ReadableSpan[];
  /** Collects the metrics now. */
  collect(): Promise<MetricData[]>;
  /** The points of one metric (collecting now). */
  points(name: string): Promise<Point[]>;
}

/** Options of {@link useOtel}. */
export interface OtelOptions {
  /** More span processors (before the in-memory one). */
  readonly processors?: () => SpanProcessor[];
  /** Register the providers globally (`trace.setGlobalTracerProvider`, `metrics.setGlobalMeterProvider`). */
  readonly global?: boolean;
}

/** Sets up a fresh SDK before each test and shuts it down after. Returns a getter. */
export function useOtel(options: OtelOptions = {}): () => Otel {
  let current: Otel | undefined;
  beforeEach(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new SdkTracerProvider({
      spanProcessors: [...(options.processors?.() ?? []), new SimpleSpanProcessor({ exporter })],
    });
    const reader = new ManualReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    if (options.global) {
      trace.setGlobalTracerProvider(tracerProvider);
      metrics.setGlobalMeterProvider(meterProvider);
    }
    const collect = async () => {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    };
    current = {
      tracerProvider,
      meterProvider,
      spans: () => exporter.getFinishedSpans(),
      collect,
      points: async (name) => pointsOf((await collect()).find((metric) => metric.descriptor.name === name)),
    };
  });
  afterEach(async () => {
    await current?.tracerProvider.shutdown();
    await current?.meterProvider.shutdown();
    current = undefined;
    trace.disable();
    metrics.disable();
    context.disable();
    propagation.disable();
    diag.disable();
  });
  return () => {
    if (!current) throw new Error("useOtel(): the SDK starts in beforeEach; use it inside a test");
    return current;
  };
}

function pointsOf(metric: MetricData | undefined): Point[] {
  if (!metric) return [];
  const points = metric.dataPoints as DataPoint<number | Histogram>[];
  return points.map((point) => ({
    attributes: point.attributes,
    value: metric.dataPointType === DataPointType.HISTOGRAM ? (point.value as Histogram) : (point.value as number),
  }));
}

/** The span's parent span id, if any. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** The children of `parent` among `spans`, in start order. */
export function childrenOf(spans: readonly ReadableSpan[], parent: ReadableSpan): ReadableSpan[] {
  const id = parent.spanContext().spanId;
  return spans.filter((span) => parentOf(span) === id).sort((a, b) => compareTime(a.startTime, b.startTime));
}

/** The chain spans (one per request). */
export function chainSpans(spans: readonly ReadableSpan[]): ReadableSpan[] {
  return spans.filter((span) => span.name.startsWith("understudy "));
}

function compareTime(a: readonly [number, number], b: readonly [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** Runs `fn` inside a span of the app's own, active: the parent the chain span must have. */
export function inAppSpan<T>(otel: Otel, name: string, fn: (appContext: Context) => Promise<T>): Promise<T> {
  const tracer = otel.tracerProvider.getTracer("app");
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await fn(context.active());
    } finally {
      span.end();
    }
  });
}
