// `pnpm demo --otel`: the drill's chain instrumented with @understudy/otel, under
// an OpenTelemetry SDK set up as an app would. What it records is tallied in
// memory for a summary; with OTEL_EXPORTER_OTLP_ENDPOINT set, it is also sent
// there over OTLP/HTTP (JSON), traces to /v1/traces and metrics to /v1/metrics.
import { context, metrics, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, type ReadableSpan, type SpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { Fallback } from "@understudy/core";
import { instrument } from "@understudy/otel";
import { roundMoney } from "./summary.ts";

/** What the instrumentation recorded over a run, counted. */
export interface OtelSummary {
  /** Chain spans (`understudy stream`, `understudy generate`) by `understudy.outcome`. */
  readonly chainSpans: Readonly<Record<string, number>>;
  /** Attempt spans (`chat {model}`) by name, then by `error.type` (`ok` for an answer). */
  readonly attemptSpans: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Span events on the chain spans, by name. */
  readonly spanEvents: Readonly<Record<string, number>>;
  /** Spans of other instrumentation (the Anthropic SDK traces its own calls), by name. */
  readonly otherSpans: Readonly<Record<string, number>>;
  /** The metrics' totals over the run. */
  readonly metrics: {
    /** `gen_ai.client.operation.duration`: calls measured, by `error.type` (`ok` for an answer). */
    readonly calls: Readonly<Record<string, number>>;
    /** `gen_ai.client.token.usage`: tokens by `gen_ai.token.type`. */
    readonly tokens: Readonly<Record<string, number>>;
    /** `understudy.fallbacks` by `understudy.reason`. */
    readonly fallbacks: Readonly<Record<string, number>>;
    /** `understudy.skips` by `understudy.reason`. */
    readonly skips: Readonly<Record<string, number>>;
    /** `understudy.cost.answered` and `understudy.cost.wasted`, in dollars. */
    readonly cost: { readonly answered: number; readonly wasted: number };
    /** `understudy.breaker.state` at the end, by model (0 closed, 1 half-open, 2 open, 3 isolated). */
    readonly breakerState: Readonly<Record<string, number>>;
  };
  /** Set when the run was exported over OTLP/HTTP. */
  readonly otlp?: OtlpReport;
}

/** What was sent to the OTLP endpoint. */
export interface OtlpReport {
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly endpoint: string;
  /** Spans the endpoint accepted, and those whose export failed. */
  readonly spans: { readonly sent: number; readonly failed: number };
  /** Metric exports (each a batch of every metric) accepted, and failed. */
  readonly metricExports: { readonly sent: number; readonly failed: number };
  /** The first export error, if any. */
  readonly error?: string;
}

/** The SDK of one run: instruments a chain, then reports. */
export interface DrillTelemetry {
  /** Instruments the chain (`instrument(chat, { name: "outage-drill" })`). */
  readonly instrument: (chat: Fallback) => void;
  /** Flushes every export, shuts the SDK down, and counts what was recorded. */
  finish(): Promise<OtelSummary>;
}

/** A metric reader that collects when asked: the summary's. */
class SummaryReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** Counts ended spans as the summary reports them, keeping none. */
class SpanTally implements SpanProcessor {
  readonly chainSpans: Record<string, number> = {};
  readonly attemptSpans: Record<string, Record<string, number>> = {};
  readonly spanEvents: Record<string, number> = {};
  readonly otherSpans: Record<string, number> = {};

  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    if (span.instrumentationScope.name !== "@understudy/otel") {
      increment(this.otherSpans, span.name);
    } else if (span.kind === SpanKind.CLIENT) {
      const byError = this.attemptSpans[span.name] ?? {};
      // A cancelled call (a consumer that stopped reading) is neither ok nor a model error.
      const outcome = span.attributes["understudy.attempt.outcome"];
      increment(byError, String(outcome === "cancelled" ? "cancelled" : (span.attributes["error.type"] ?? "ok")));
      this.attemptSpans[span.name] = byError;
    } else {
      increment(this.chainSpans, String(span.attributes["understudy.outcome"] ?? "unknown"));
      for (const event of span.events) increment(this.spanEvents, event.name);
    }
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/**
 * Sets up an OpenTelemetry SDK as an app would (registered globally, with an
 * async context manager) and, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set,
 * OTLP/HTTP exporters; the exporters read the other standard variables
 * (`OTEL_EXPORTER_OTLP_HEADERS`, per-signal endpoints) themselves.
 */
export function startTelemetry(env: Readonly<Record<string, string | undefined>>): DrillTelemetry {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || undefined;
  const resource = resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME || "understudy-outage-drill" });
  const tally = new SpanTally();
  const reader = new SummaryReader();
  const spansSent = { sent: 0, failed: 0 };
  const metricsSent = { sent: 0, failed: 0 };
  let firstError: string | undefined;
  const note = (counts: { sent: number; failed: number }, items: number) => (result: ExportResult) => {
    if (result.code === ExportResultCode.SUCCESS) counts.sent += items;
    else {
      counts.failed += items;
      firstError ??= result.error?.message ?? "export failed";
    }
  };

  const spanProcessors: SpanProcessor[] = [tally];
  const readers: MetricReader[] = [reader];
  if (endpoint) {
    const spanExporter = new OTLPTraceExporter();
    const exportSpans = spanExporter.export.bind(spanExporter);
    spanExporter.export = (spans, done) =>
      exportSpans(spans, (result) => {
        note(spansSent, spans.length)(result);
        done(result);
      });
    spanProcessors.push(new BatchSpanProcessor({ exporter: spanExporter }));
    const metricExporter = new OTLPMetricExporter();
    const exportMetrics = metricExporter.export.bind(metricExporter);
    metricExporter.export = (batch, done) =>
      exportMetrics(batch, (result) => {
        note(metricsSent, 1)(result);
        done(result);
      });
    // Sent every 5 s while the drill runs, and once more at the end.
    readers.push(new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 5_000 }));
  }

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const tracerProvider = new TracerProvider({ resource, spanProcessors });
  const meterProvider = new MeterProvider({ resource, readers });
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  const unwire: (() => void)[] = [];

  return {
    instrument: (chat) => {
      unwire.push(instrument(chat, { name: "outage-drill" }));
    },
    finish: async () => {
      await tracerProvider.forceFlush();
      await meterProvider.forceFlush();
      // Read before unwiring: the breaker gauge is observed from the chain at each collection.
      const { resourceMetrics } = await reader.collect();
      for (const done of unwire) done();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      const collected = resourceMetrics.scopeMetrics.filter((scope) => scope.scope.name === "@understudy/otel");
      const summary: OtelSummary = {
        chainSpans: tally.chainSpans,
        attemptSpans: tally.attemptSpans,
        spanEvents: tally.spanEvents,
        otherSpans: tally.otherSpans,
        metrics: metricTotals(collected.flatMap((scope) => scope.metrics)),
      };
      if (!endpoint) return summary;
      const otlp: OtlpReport = {
        endpoint,
        spans: spansSent,
        metricExports: metricsSent,
        ...(firstError !== undefined && { error: firstError }),
      };
      return { ...summary, otlp };
    },
  };
}

function metricTotals(collected: readonly MetricData[]): OtelSummary["metrics"] {
  const points = (name: string) =>
    (collected.find((metric) => metric.descriptor.name === name)?.dataPoints ?? []) as DataPoint<number | Histogram>[];
  const totalBy = (name: string, key: string, fallback: string, value: (point: DataPoint<number | Histogram>) => number) => {
    const totals: Record<string, number> = {};
    for (const point of points(name)) increment(totals, String(point.attributes[key] ?? fallback), value(point));
    return totals;
  };
  const count = (point: DataPoint<number | Histogram>) => (typeof point.value === "number" ? point.value : point.value.count);
  const sum = (point: DataPoint<number | Histogram>) => (typeof point.value === "number" ? point.value : (point.value.sum ?? 0));
  const total = (name: string) => roundMoney(points(name).reduce((all, point) => all + sum(point), 0));
  return {
    calls: totalBy("gen_ai.client.operation.duration", "error.type", "ok", count),
    tokens: totalBy("gen_ai.client.token.usage", "gen_ai.token.type", "unknown", sum),
    fallbacks: totalBy("understudy.fallbacks", "understudy.reason", "unknown", sum),
    skips: totalBy("understudy.skips", "understudy.reason", "unknown", sum),
    cost: { answered: total("understudy.cost.answered"), wasted: total("understudy.cost.wasted") },
    breakerState: totalBy("understudy.breaker.state", "understudy.model", "unknown", sum),
  };
}

function increment(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** The summary as a table for the terminal. */
export function otelTable(summary: OtelSummary): string {
  const { metrics: totals } = summary;
  const total = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((all, n) => all + n, 0);
  const attemptRows = Object.entries(summary.attemptSpans).map(
    ([name, byError]) => [`  ${name}`, `${total(byError)} (${entries(byError)})`] as [string, string],
  );
  const rows: [string, string][] = [
    ["chain spans", `${total(summary.chainSpans)} (${entries(summary.chainSpans) || "none"})`],
    ["attempt spans, by error.type", attemptRows.length === 0 ? "none" : ""],
    ...attemptRows,
    ["span events", entries(summary.spanEvents) || "none"],
    ...(Object.keys(summary.otherSpans).length > 0
      ? [["other spans", `${entries(summary.otherSpans)} (the SDKs' own tracing)`] as [string, string]]
      : []),
    ["calls measured", `${total(totals.calls)} (${entries(totals.calls) || "none"})`],
    ["tokens", entries(totals.tokens) || "none"],
    ["understudy.fallbacks", entries(totals.fallbacks) || "none"],
    ["understudy.skips", entries(totals.skips) || "none"],
    ["understudy.cost", `answered $${totals.cost.answered.toFixed(6)}, wasted $${totals.cost.wasted.toFixed(6)}`],
    ["breaker state at the end", breakerLine(totals.breakerState)],
    ["exported", exportLine(summary.otlp)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`.trimEnd()).join("\n");
}

function breakerLine(states: Readonly<Record<string, number>>): string {
  const names = ["closed", "half-open", "open", "isolated"];
  const line = Object.entries(states)
    .map(([model, state]) => `${model} ${names[state] ?? state} (${state})`)
    .join(", ");
  return line || "none";
}

function exportLine(otlp: OtlpReport | undefined): string {
  if (!otlp) return "nothing (set OTEL_EXPORTER_OTLP_ENDPOINT to send it over OTLP/HTTP)";
  const failed = otlp.spans.failed + otlp.metricExports.failed;
  const sent = `${otlp.spans.sent} spans and ${otlp.metricExports.sent} metric exports over OTLP/HTTP to ${otlp.endpoint}`;
  return failed === 0 ? sent : `${sent}; ${failed} failed: ${otlp.error ?? "unknown error"}`;
}

function entries(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([key, count]) => `${key} ${count}`)
    .join(", ");
}
