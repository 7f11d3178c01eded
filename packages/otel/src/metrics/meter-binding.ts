import { createNoopMeter, type MeterProvider, metrics, type ObservableCallback } from "@opentelemetry/api";
import { reportFailure } from "../report-failure.ts";
import { instrumentationScope } from "../scope.ts";
import { type Instruments, makeInstruments } from "./instruments.ts";

// The API's no-op meter hands out one shared no-op histogram: seeing it means nothing is recorded.
const noopHistogram = createNoopMeter().createHistogram("noop");

/**
 * The instruments to record to, or `undefined` while no SDK would record
 * anything. The global meter provider is looked up at each use: the API has
 * no proxy for metrics, so a provider registered after `instrument()` would
 * otherwise never be seen. The breaker gauge's callback follows the
 * instruments from one provider to the next, and is removed by `close`.
 */
export class MeterBinding {
  private readonly explicit: MeterProvider | undefined;
  private readonly gaugeCallback: ObservableCallback;
  private provider: MeterProvider | undefined;
  private instruments: Instruments | undefined;

  /**
   * @param explicit - the app's provider, if it passed one
   * @param gaugeCallback - observes the breaker state of each model
   */
  constructor(explicit: MeterProvider | undefined, gaugeCallback: ObservableCallback) {
    this.explicit = explicit;
    this.gaugeCallback = gaugeCallback;
  }

  /**
   * The instruments, or `undefined` when no SDK would record anything. Never
   * throws: a provider that fails to make its meter or instruments is
   * reported on `diag` once, and measures nothing until another is registered.
   */
  current(): Instruments | undefined {
    try {
      const provider = this.explicit ?? metrics.getMeterProvider();
      if (provider !== this.provider) this.bind(provider);
      return this.instruments;
    } catch (error) {
      reportFailure("binding metrics", error);
      return undefined;
    }
  }

  /** Stops observing the breaker gauge. */
  close(): void {
    const instruments = this.instruments;
    this.instruments = undefined;
    instruments?.breakerState.removeCallback(this.gaugeCallback);
  }

  private bind(provider: MeterProvider): void {
    this.close();
    // Set first: a provider that throws below is not tried again at every call.
    this.provider = provider;
    const made = makeInstruments(provider.getMeter(instrumentationScope.name, instrumentationScope.version));
    if (made.tokenUsage === noopHistogram) return;
    made.breakerState.addCallback(this.gaugeCallback);
    this.instruments = made;
  }
}
