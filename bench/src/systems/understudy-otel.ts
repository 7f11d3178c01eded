import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, InMemorySpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import { instrument } from "@understudy/otel";
import type { Contender, System } from "../contender.ts";
import { understudy, understudyChain, understudyContender } from "./understudy.ts";

/** Spans the in-memory exporter may hold before it is cleared, so that the heap does not grow over a run. */
const keptSpans = 4_096;

/**
 * The OpenTelemetry SDK a production app would set up, once per process:
 * the batching span processor (what NodeSDK uses; the simple one exports
 * span by span and is meant for tests) over an in-memory exporter, a meter
 * provider with a periodic reader (NodeSDK's, at its default 60 s interval)
 * over an in-memory exporter, and the async context manager NodeSDK
 * registers. The providers are handed to `instrument` and not registered
 * globally, so that the no-SDK row keeps the API's no-op providers.
 */
export class InMemorySdk {
  readonly spans = new InMemorySpanExporter();
  readonly metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  readonly tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: this.spans })] });
  readonly meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: this.metrics })],
  });

  constructor() {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  }

  /** Drops what the exporters hold once it is more than a round's worth, as an exporter that sends it away would. */
  clearIfFull(): void {
    if (this.spans.getFinishedSpans().length < keptSpans) return;
    this.spans.reset();
    this.metrics.reset();
  }

  /** Exports what the span processor still queues, and drops everything exported. */
  async release(): Promise<void> {
    await this.tracerProvider.forceFlush();
    this.spans.reset();
    this.metrics.reset();
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.tracerProvider.shutdown(), this.meterProvider.shutdown()]);
    context.disable();
  }
}

let sdk: InMemorySdk | undefined;

/** The SDK the row set up at its first chain, until its shutdown. */
export function understudyOtelSdk(): InMemorySdk | undefined {
  return sdk;
}

/** The contender of a chain instrumented with `owner`, clearing its exporters as they fill. */
function sdkContender(contender: Contender, owner: InMemorySdk): Contender {
  return {
    generate(prompt) {
      owner.clearIfFull();
      return contender.generate(prompt);
    },
    stream(prompt, onFirstText) {
      owner.clearIfFull();
      return contender.stream(prompt, onFirstText);
    },
    release: () => owner.release(),
  };
}

const throughputSitOut =
  "what it adds per call is in the overhead table; a closed loop through a fault server sharing the machine's cores would not resolve it";

const hedgingSitOut =
  "instrumenting changes no hedge and no timer, and what it adds per call (µs) would not show against first tokens of 100 ms and more";

/** The understudy row's chain, instrumented with `@understudy/otel` and a real SDK exporting to memory. */
export const understudyOtel: System = {
  name: "understudy + otel (SDK registered, in-memory exporter)",
  chartName: "understudy + otel (SDK)",
  packages: [
    ...understudy.packages,
    "@understudy/otel",
    "@opentelemetry/api",
    "@opentelemetry/sdk-trace",
    "@opentelemetry/sdk-metrics",
    "@opentelemetry/context-async-hooks",
  ],
  fallback: understudy.fallback,
  breaker: understudy.breaker,
  midStream: understudy.midStream,
  sitsOut: { throughput: throughputSitOut, hedging: hedgingSitOut },
  async create(setup) {
    sdk ??= new InMemorySdk();
    const { tracerProvider, meterProvider } = sdk;
    const chain = understudyChain(setup);
    instrument(chain, { tracerProvider, meterProvider });
    return sdkContender(understudyContender(chain), sdk);
  },
  async shutdown() {
    await sdk?.shutdown();
    sdk = undefined;
  },
};

/**
 * The understudy row's chain, instrumented with `@understudy/otel` in an app
 * that registered no OpenTelemetry SDK: `instrument(chain)` finds the API's
 * no-op providers behind the global ones, at each request, and does no more.
 * (The one thing it still does per call, reading the active context, reads the
 * context manager the SDK row registered for the process: a lookup either way.)
 */
export const understudyOtelNoSdk: System = {
  name: "understudy + otel, no SDK registered",
  chartName: "understudy + otel (no SDK)",
  packages: [...understudy.packages, "@understudy/otel", "@opentelemetry/api"],
  fallback: understudy.fallback,
  breaker: understudy.breaker,
  midStream: understudy.midStream,
  sitsOut: {
    throughput: throughputSitOut,
    hedging: hedgingSitOut,
    heap: "with no SDK it keeps nothing per request (the `@understudy/otel` tests check it), and a heap run costs CI's quick run seconds",
  },
  async create(setup) {
    const chain = understudyChain(setup);
    instrument(chain);
    return understudyContender(chain);
  },
};
