import { createNoopMeter, type MeterProvider, metrics, type ObservableCallback } from "@opentelemetry/api";
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

  /** The instruments, or `undefined` when no SDK would record anything. */
  current(): Instruments | undefined {
    const provider = this.explicit ?? metrics.getMeterProvider();
    if (provider !== this.provider) this.bind(provider);
    return this.instruments;
  }

  /** Stops observing the breaker gauge. */
  close(): void {
    this.instruments?.breakerState.removeCallback(this.gaugeCallback);
    this.instruments = undefined;
  }

  private bind(provider: MeterProvider): void {
    this.close();
    this.provider = provider;
    const made = makeInstruments(provider.getMeter(instrumentationScope.name, instrumentationScope.version));
    if (made.tokenUsage === noopHistogram) return;
    made.breakerState.addCallback(this.gaugeCallback);
    this.instruments = made;
  }
}
