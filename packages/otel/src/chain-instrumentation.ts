import { type Attributes, context, type ObservableResult } from "@opentelemetry/api";
import {
  type AttemptEvent,
  type AttemptStartEvent,
  type AttemptWrapper,
  type BreakerEvent,
  type FailureEvent,
  type Fallback,
  type FallbackEvent,
  type FallbackEvents,
  type FallbackStream,
  type FallbackStreamPart,
  type HedgeEndEvent,
  type HedgeStartEvent,
  isModelError,
  type RequestStartEvent,
  type RetryEvent,
  type SkipEvent,
  type SuccessEvent,
} from "@understudy/core";
import { interceptCalls, PendingCall, type SeenCall, type Settlement } from "./calls/call-interception.ts";
import { type ChainConfig, chainConfigOf, finiteDeadline } from "./chain-config.ts";
import { ContentCapture, defaultMaxContentChars } from "./content/captured-content.ts";
import { breakerStateValue, understudyAttr, understudyEvent } from "./conventions/understudy-attributes.ts";
import type { InstrumentOptions } from "./instrument-options.ts";
import { MeterBinding } from "./metrics/meter-binding.ts";
import { recordAttemptMetrics } from "./metrics/record-attempt-metrics.ts";
import { wastedCostByModel } from "./metrics/wasted-cost.ts";
import { guarded } from "./report-failure.ts";
import { AbandonedRequests, type AbandonTiming, defaultAbandonTiming } from "./tracing/abandoned-requests.ts";
import { attemptIdentity, startAttemptSpan } from "./tracing/attempt-span.ts";
import { AttemptTrace } from "./tracing/attempt-trace.ts";
import {
  breakerEventAttributes,
  describeFallback,
  describeSkip,
  fallbackEventAttributes,
  hedgeEndEventAttributes,
  hedgeStartEventAttributes,
  resetEventAttributes,
  retryEventAttributes,
  skipEventAttributes,
} from "./tracing/chain-events.ts";
import { startChainSpan } from "./tracing/chain-span.ts";
import { RequestTrace } from "./tracing/request-trace.ts";
import { watchServerAddresses, withServerListener } from "./tracing/server-address.ts";
import { TracerBinding } from "./tracing/tracer-binding.ts";

// Tells apart, on the breaker gauge, chains instrumented without a name.
let unnamedChains = 0;

/**
 * The wiring of one chain to OpenTelemetry: listeners on its events, an
 * attempt wrapper, the interception of its calls and the breaker gauge.
 * Holds a {@link RequestTrace} per request in flight, keyed by its id and
 * dropped on every way a request ends (a stream dropped mid-read included:
 * see {@link AbandonedRequests}). Use {@link instrument}.
 */
export class ChainInstrumentation {
  private readonly chain: Fallback;
  private readonly config: ChainConfig;
  private readonly tracing: TracerBinding;
  private readonly metering: MeterBinding;
  private readonly content: ContentCapture | undefined;
  private readonly redactor: ContentCapture;
  private readonly chainName: string | undefined;
  private readonly chainAttributes: Attributes;
  private readonly gaugeAttributes: Attributes;
  private readonly traces = new Map<string, RequestTrace>();
  private readonly abandoned: AbandonedRequests;
  private readonly pending = new PendingCall();
  private readonly undo: (() => void)[] = [];
  private stopWatchingServers: (() => void) | undefined;
  private wired = true;

  /**
   * @param chain - the chain to instrument
   * @param options - providers, content capture, secrets, name
   * @param timing - when a request nobody will end is ended (tests shorten it)
   */
  constructor(chain: Fallback, options: InstrumentOptions = {}, timing: AbandonTiming = defaultAbandonTiming) {
    this.chain = chain;
    this.config = chainConfigOf(chain);
    this.chainName = options.name;
    this.chainAttributes = options.name ? { [understudyAttr.chainName]: options.name } : {};
    // Two chains may share model ids: each gauge point says which chain it is, by name or else by an id of this instrumentation.
    this.gaugeAttributes = options.name ? this.chainAttributes : { [understudyAttr.chainId]: `chain-${++unnamedChains}` };
    this.redactor = new ContentCapture(options.secrets ?? [], maxContentCharsOf(options.maxContentChars));
    this.content = options.captureContent ? this.redactor : undefined;
    this.tracing = new TracerBinding(options.tracerProvider);
    this.metering = new MeterBinding(options.meterProvider, guarded("observing breakers", this.observeBreakers));
    this.abandoned = new AbandonedRequests(this.traces, (requestId) => this.take(requestId)?.cancel(), timing);
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
    for (const request of [...this.traces.values()]) guarded("ending a request", () => this.take(request.requestId)?.cancel())();
    this.traces.clear();
    this.abandoned.stop();
    guarded("unbinding metrics", () => this.metering.close())();
    this.stopWatchingServers?.();
  }

  private wire(): void {
    this.listen("requestStart", (event) => this.onRequestStart(event));
    this.listen("attemptStart", (event) => this.onAttemptStart(event));
    this.listen("attempt", (event) => this.onAttempt(event));
    this.listen("retry", (event) => this.onRetry(event));
    this.listen("fallback", (event) => this.onFallback(event));
    this.listen("skip", (event) => this.onSkip(event));
    this.listen("hedgeStart", (event) => this.onHedgeStart(event));
    this.listen("hedgeEnd", (event) => this.onHedgeEnd(event));
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
        onStreamStarted: guarded("watching a stream", (requestId: string, stream: FallbackStream) =>
          this.onStreamStarted(requestId, stream),
        ),
        onSettled: guarded("ending a request", (requestId: string, settlement: Settlement) =>
          this.onSettled(requestId, settlement),
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
    if (!request) return undefined;
    this.traces.delete(requestId);
    this.abandoned.forget(request);
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
    const request = new RequestTrace(event, tracer, span, parent, call?.request, this.deadlineOf(call));
    this.traces.set(event.requestId, request);
    this.abandoned.watchDeadline(request);
  }

  /** The request's deadline in ms: its call's own `deadlineMs` (`Infinity` lifts it), else the chain's. */
  private deadlineOf(call: SeenCall | undefined): number | undefined {
    const own = call?.options?.deadlineMs;
    return own === undefined ? this.config.deadlineMs : finiteDeadline(own);
  }

  private onStreamStarted(requestId: string, stream: FallbackStream): void {
    const request = this.traces.get(requestId);
    if (request) this.abandoned.watchStream(stream, request);
  }

  /**
   * A request's promise settled. Its `success` or `failure` has ended its
   * trace already, unless no event told its end: a stream whose consumer
   * stopped reading (cancelled), or a rejection the engine emitted no
   * `failure` for (a value that is not an `Error`, from an older engine).
   */
  private onSettled(requestId: string, settlement: Settlement): void {
    const request = this.take(requestId);
    if (!request) return;
    if (settlement.rejected && !isCancellation(settlement.reason)) request.fail(settlement.reason, this.redact);
    else request.cancel();
  }

  private readonly redact = (text: string): string => this.redactor.redact(text);

  private onAttemptStart(event: AttemptStartEvent): void {
    const request = this.traces.get(event.requestId);
    if (!request) return;
    for (const previous of request.displacedBy(event)) {
      previous.finish();
      guarded("ending a call's span", () => previous.span?.end())();
    }
    const span = request.tracer && startAttemptSpan(request.tracer, event, request.context, request.method === "stream");
    if (span?.isRecording()) span.setAttributes({ ...attemptIdentity(event), ...request.attemptAttributes(this.content) });
    request.hold(new AttemptTrace(event, span, request.context));
  }

  /** Runs the adapter's call with the attempt's span active, and watches where its HTTP request goes. */
  private readonly wrapAttempt: AttemptWrapper = (event, call) => {
    const attempt = this.traces.get(event.requestId)?.callStartedBy(event);
    if (!attempt) return call();
    const { context: active } = attempt;
    return withServerListener(attempt.serverListener, active ? () => context.with(active, call) : call);
  };

  private onAttempt({ requestId, record }: AttemptEvent): void {
    const request = this.traces.get(requestId);
    const attempt = request?.takeAttempt(record);
    attempt?.finish();
    const instruments = this.metering.current();
    if (instruments) guarded("recording a call's metrics", recordAttemptMetrics)(instruments, record, attempt?.server);
    if (!request) return;
    request.attempts += 1;
    const span = attempt?.span;
    if (!attempt || !span) return;
    attempt.describeEnd(record, this.redact);
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

  private onHedgeStart(event: HedgeStartEvent): void {
    const request = this.traces.get(event.requestId);
    if (!request?.recording) return;
    request.noteHedgeStart(event);
    request.addEvent(understudyEvent.hedgeStart, () => hedgeStartEventAttributes(event));
  }

  private onHedgeEnd(event: HedgeEndEvent): void {
    const request = this.traces.get(event.requestId);
    if (!request?.recording) return;
    request.noteHedgeEnd(event);
    request.addEvent(understudyEvent.hedgeEnd, () => hedgeEndEventAttributes(event));
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
    for (const [model, amount] of wastedCostByModel(result, this.config.isPriced)) {
      instruments.costWasted.add(amount, { [understudyAttr.model]: model, ...this.chainAttributes });
    }
  }

  private onFailure({ requestId, error }: FailureEvent): void {
    const request = this.take(requestId);
    if (isCancellation(error)) request?.cancel();
    else request?.fail(error, this.redact);
  }

  private readonly observeBreakers = (observable: ObservableResult): void => {
    for (const model of this.chain.health()) {
      const value = breakerStateValue[model.breaker];
      if (value !== undefined) observable.observe(value, { [understudyAttr.model]: model.id, ...this.gaugeAttributes });
    }
  };
}

/** The consumer stopped reading a stream (or the caller aborted): the request was cancelled, not failed. */
function isCancellation(reason: unknown): boolean {
  return isModelError(reason) && reason.kind === "aborted";
}

/** `maxContentChars`, checked: a whole number of characters, 0 or more, or `Infinity`. */
function maxContentCharsOf(value: number | undefined): number {
  if (value === undefined) return defaultMaxContentChars;
  if (value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && value >= 0)) return value;
  throw new RangeError(
    `instrument(): maxContentChars must be a whole number of characters, 0 or more, or Infinity (got ${String(value)})`,
  );
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
