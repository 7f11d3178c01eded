import { type Attributes, context, type ObservableResult } from "@opentelemetry/api";
import type {
  AttemptEvent,
  AttemptStartEvent,
  AttemptWrapper,
  BreakerEvent,
  FailureEvent,
  Fallback,
  FallbackEvent,
  FallbackEvents,
  FallbackStreamPart,
  RequestStartEvent,
  RetryEvent,
  SkipEvent,
  SuccessEvent,
} from "@understudy/core";
import { interceptCalls, PendingCall } from "./calls/call-interception.ts";
import { ContentCapture } from "./content/captured-content.ts";
import { breakerStateValue, understudyAttr, understudyEvent } from "./conventions/understudy-attributes.ts";
import type { InstrumentOptions } from "./instrument-options.ts";
import { MeterBinding } from "./metrics/meter-binding.ts";
import { recordAttemptMetrics } from "./metrics/record-attempt-metrics.ts";
import { wastedCostByModel } from "./metrics/wasted-cost.ts";
import { guarded } from "./report-failure.ts";
import { attemptIdentity, startAttemptSpan } from "./tracing/attempt-span.ts";
import { AttemptTrace } from "./tracing/attempt-trace.ts";
import {
  breakerEventAttributes,
  describeFallback,
  describeSkip,
  fallbackEventAttributes,
  resetEventAttributes,
  retryEventAttributes,
  skipEventAttributes,
} from "./tracing/chain-events.ts";
import { startChainSpan } from "./tracing/chain-span.ts";
import { RequestTrace } from "./tracing/request-trace.ts";
import { watchServerAddresses, withServerListener } from "./tracing/server-address.ts";
import { TracerBinding } from "./tracing/tracer-binding.ts";

/**
 * The wiring of one chain to OpenTelemetry: listeners on its events, an
 * attempt wrapper, the interception of its calls and the breaker gauge.
 * Holds a {@link RequestTrace} per request in flight, keyed by its id and
 * dropped on every way a request ends. Use {@link instrument}.
 */
export class ChainInstrumentation {
  private readonly chain: Fallback;
  private readonly tracing: TracerBinding;
  private readonly metering: MeterBinding;
  private readonly content: ContentCapture | undefined;
  private readonly redactor: ContentCapture;
  private readonly chainName: string | undefined;
  private readonly chainAttributes: Attributes;
  private readonly traces = new Map<string, RequestTrace>();
  private readonly pending = new PendingCall();
  private readonly undo: (() => void)[] = [];
  private stopWatchingServers: (() => void) | undefined;
  private wired = true;

  /**
   * @param chain - the chain to instrument
   * @param options - providers, content capture, secrets, name
   */
  constructor(chain: Fallback, options: InstrumentOptions = {}) {
    this.chain = chain;
    this.chainName = options.name;
    this.chainAttributes = options.name ? { [understudyAttr.chainName]: options.name } : {};
    this.redactor = new ContentCapture(options.secrets ?? []);
    this.content = options.captureContent ? this.redactor : undefined;
    this.tracing = new TracerBinding(options.tracerProvider);
    this.metering = new MeterBinding(options.meterProvider, guarded("observing breakers", this.observeBreakers));
    this.wire();
  }

  /** Requests in flight that this instrumentation holds state for. */
  get openRequests(): number {
    return this.traces.size;
  }

  /**
   * Removes every listener, the attempt wrapper and the call interception,
   * and ends the spans of requests still in flight (as `cancelled`).
   * Calling it again does nothing.
   */
  unwire(): void {
    if (!this.wired) return;
    this.wired = false;
    for (const undo of this.undo.reverse()) guarded("unwiring", undo)();
    for (const request of this.traces.values()) guarded("ending a request", () => request.cancel())();
    this.traces.clear();
    this.metering.close();
    this.stopWatchingServers?.();
  }

  private wire(): void {
    this.listen("requestStart", (event) => this.onRequestStart(event));
    this.listen("attemptStart", (event) => this.onAttemptStart(event));
    this.listen("attempt", (event) => this.onAttempt(event));
    this.listen("retry", (event) => this.onRetry(event));
    this.listen("fallback", (event) => this.onFallback(event));
    this.listen("skip", (event) => this.onSkip(event));
    this.listen("success", (event) => this.onSuccess(event));
    this.listen("failure", (event) => this.onFailure(event));
    this.listen("breakerOpen", (event) => this.onBreaker(understudyEvent.breakerOpen, event));
    this.listen("breakerHalfOpen", (event) => this.onBreaker(understudyEvent.breakerHalfOpen, event));
    this.listen("breakerClose", (event) => this.onBreaker(understudyEvent.breakerClose, event));
    this.undo.push(this.chain.wrapAttempts(this.wrapAttempt));
    this.undo.push(
      interceptCalls(this.chain, this.pending, {
        watchesParts: (requestId) => this.watchesParts(requestId),
        onPart: guarded("reading a stream part", (requestId: string, part: FallbackStreamPart) => this.onPart(requestId, part)),
        onStreamSettled: guarded(
          "ending a stream",
          (requestId: string) => this.traces.get(requestId) && this.take(requestId)?.cancel(),
        ),
      }),
    );
    this.undo.push(this.chain.onClose(() => this.unwire()));
    // Binds the breaker gauge now, so it reports before the first request.
    guarded("binding metrics", () => this.metering.current())();
  }

  private listen<E extends keyof FallbackEvents>(event: E, handler: (payload: Parameters<FallbackEvents[E]>[0]) => void): void {
    const listener = guarded(`the ${event} listener`, handler) as FallbackEvents[E];
    this.chain.on(event, listener as never);
    this.undo.push(() => this.chain.off(event, listener as never));
  }

  private watchesParts(requestId: string): boolean {
    try {
      return this.traces.get(requestId)?.recording === true;
    } catch {
      return false;
    }
  }

  private take(requestId: string): RequestTrace | undefined {
    const request = this.traces.get(requestId);
    this.traces.delete(requestId);
    return request;
  }

  private onRequestStart(event: RequestStartEvent): void {
    // Taken whether or not anything records, so no later request mistakes it for its own.
    const call = this.pending.take();
    if (call) call.requestId = event.requestId;
    const tracer = this.tracing.current();
    if (!tracer && !this.metering.current()) return;
    // Every fetch in the process is announced once someone listens: only once there is telemetry to feed.
    this.stopWatchingServers ??= watchServerAddresses();
    const parent = call?.context ?? context.active();
    const span = tracer && startChainSpan(tracer, event, parent, this.chainName);
    this.traces.set(event.requestId, new RequestTrace(event, tracer, span, parent, call?.request));
  }

  private onAttemptStart(event: AttemptStartEvent): void {
    const request = this.traces.get(event.requestId);
    if (!request) return;
    request.attempt?.span?.end();
    const span = request.tracer && startAttemptSpan(request.tracer, event, request.context, request.method === "stream");
    if (span?.isRecording()) span.setAttributes({ ...attemptIdentity(event), ...request.attemptAttributes(this.content) });
    request.attempt = new AttemptTrace(event, span, request.context);
  }

  /** Runs the adapter's call with the attempt's span active, and watches where its HTTP request goes. */
  private readonly wrapAttempt: AttemptWrapper = (event, call) => {
    const attempt = this.traces.get(event.requestId)?.attempt;
    if (attempt?.start !== event) return call();
    const { context: active } = attempt;
    return withServerListener(attempt.noteServer, active ? () => context.with(active, call) : call);
  };

  private onAttempt({ requestId, record }: AttemptEvent): void {
    const request = this.traces.get(requestId);
    const attempt = request?.takeAttempt(record);
    const instruments = this.metering.current();
    if (instruments) guarded("recording a call's metrics", recordAttemptMetrics)(instruments, record, attempt?.server);
    if (!request) return;
    request.attempts += 1;
    const span = attempt?.span;
    if (!attempt || !span) return;
    attempt.describeEnd(record, (text) => this.redactor.redact(text));
    // The answer's content comes with the result, just after: its span waits for it.
    if (record.outcome === "success" && this.content && span.isRecording()) request.answer = attempt;
    else span.end();
  }

  private onRetry(event: RetryEvent): void {
    this.traces.get(event.requestId)?.addEvent(understudyEvent.retry, () => retryEventAttributes(event));
  }

  private onFallback(event: FallbackEvent): void {
    guarded("counting a fallback", () =>
      this.metering.current()?.fallbacks.add(1, { ...fallbackEventAttributes(event), ...this.chainAttributes }),
    )();
    const request = this.traces.get(event.requestId);
    if (!request?.recording) return;
    request.fallbacks.push(describeFallback(event));
    request.addEvent(understudyEvent.fallback, () => fallbackEventAttributes(event));
  }

  private onSkip(event: SkipEvent): void {
    guarded("counting a skip", () =>
      this.metering
        .current()
        ?.skips.add(1, { [understudyAttr.model]: event.model, [understudyAttr.reason]: event.reason, ...this.chainAttributes }),
    )();
    const request = this.traces.get(event.requestId);
    if (!request?.recording) return;
    request.skips.push(describeSkip(event));
    request.addEvent(understudyEvent.skip, () => skipEventAttributes(event));
  }

  private onPart(requestId: string, part: FallbackStreamPart): void {
    if (part.type !== "reset") return;
    const request = this.traces.get(requestId);
    if (!request) return;
    request.resets += 1;
    request.addEvent(understudyEvent.reset, () => resetEventAttributes(part));
  }

  private onBreaker(name: string, event: BreakerEvent): void {
    this.traces.get(event.requestId)?.addEvent(name, () => breakerEventAttributes(event));
  }

  private onSuccess({ requestId, result }: SuccessEvent): void {
    const request = this.take(requestId);
    guarded("ending a request", () => request?.succeed(result, this.content))();
    const instruments = this.metering.current();
    if (!instruments) return;
    instruments.costAnswered.add(result.cost.answer, { [understudyAttr.model]: result.model, ...this.chainAttributes });
    for (const [model, amount] of wastedCostByModel(result)) {
      instruments.costWasted.add(amount, { [understudyAttr.model]: model, ...this.chainAttributes });
    }
  }

  private onFailure({ requestId, error }: FailureEvent): void {
    this.take(requestId)?.fail(error, (text) => this.redactor.redact(text));
  }

  private readonly observeBreakers = (observable: ObservableResult): void => {
    for (const model of this.chain.health()) {
      const value = breakerStateValue[model.breaker];
      if (value !== undefined) observable.observe(value, { [understudyAttr.model]: model.id, ...this.chainAttributes });
    }
  };
}

/**
 * Wires a fallback chain to OpenTelemetry — a span per request with a
 * child span per call to a model (named and attributed per the GenAI
 * semantic conventions), the GenAI client metrics and understudy's own —
 * and returns a function that unwires it. `chain.close()` unwires it too.
 *
 * Uses the global tracer and meter providers unless given others, and does
 * nothing while no OpenTelemetry SDK is registered. Never throws into a
 * request: a failure of its own, a broken span processor or a failing
 * exporter is reported on OpenTelemetry's `diag` logger, and the request
 * goes on.
 *
 * @example
 * ```ts
 * const chat = createFallback({ models: [{ model: anthropic("claude-sonnet-4-6") }, { model: openai("gpt-4.1-mini") }] });
 * const unwire = instrument(chat, { name: "support-answers" });
 * ```
 */
export function instrument(chain: Fallback, options: InstrumentOptions = {}): () => void {
  const instrumentation = new ChainInstrumentation(chain, options);
  return () => instrumentation.unwire();
}
