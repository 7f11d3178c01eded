import { ProxyTracerProvider, type Tracer, type TracerProvider, trace } from "@opentelemetry/api";
import { reportFailure } from "../report-failure.ts";
import { instrumentationScope } from "../scope.ts";

// What the API's global provider delegates to while no SDK is registered.
const noSdk = new ProxyTracerProvider().getDelegate();

/**
 * The tracer to use for a request, or `undefined` when nothing would record
 * it: an explicit provider is always used; the global one only once an SDK
 * has been registered behind it (checked per request, so an SDK registered
 * later is picked up, and one disabled is dropped).
 */
export class TracerBinding {
  private readonly explicit: TracerProvider | undefined;
  private provider: TracerProvider | undefined;
  private tracer: Tracer | undefined;

  /** @param explicit - the app's provider, if it passed one */
  constructor(explicit: TracerProvider | undefined) {
    this.explicit = explicit;
  }

  /** The tracer, or `undefined` when no SDK would record anything. Never throws: a provider that fails is reported on `diag`. */
  current(): Tracer | undefined {
    try {
      const provider = this.explicit ?? trace.getTracerProvider();
      if (provider instanceof ProxyTracerProvider && provider.getDelegate() === noSdk) return undefined;
      if (provider !== this.provider) {
        this.tracer = undefined;
        // Set first: a provider that throws below is not tried again at every request.
        this.provider = provider;
        this.tracer = provider.getTracer(instrumentationScope.name, instrumentationScope.version);
      }
      return this.tracer;
    } catch (error) {
      reportFailure("getting a tracer", error);
      return undefined;
    }
  }
}
