import { type Attributes, type Context, type Span, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import type {
  AttemptRecord,
  AttemptStartEvent,
  ChatRequest,
  FallbackResult,
  HedgeEndEvent,
  HedgeStartEvent,
  RequestStartEvent,
} from "@understudy/core";
import type { ContentCapture } from "../content/captured-content.ts";
import { understudyAttr } from "../conventions/understudy-attributes.ts";
import type { AttemptTrace } from "./attempt-trace.ts";
import { answerAttributes, type ChainTally, type HedgeTally, tallyAttributes } from "./chain-span.ts";
import { requestErrorAttributes } from "./error-type.ts";
import { requestAttributes } from "./request-attributes.ts";

/**
 * Everything this package holds for one request, keyed by its `requestId`
 * and dropped at its end: the chain span, the calls in flight (one, or two
 * while a hedge runs), and the tally the chain span reports. Concurrent
 * requests never share one.
 */
export class RequestTrace implements ChainTally {
  /** The engine's id of the request. */
  readonly requestId: string;
  /** `generate` or `stream`. */
  readonly method: RequestStartEvent["method"];
  /** The tracer all of the request's spans come from; `undefined` when only measured. */
  readonly tracer: Tracer | undefined;
  /** The chain span. */
  readonly span: Span | undefined;
  /** The context its attempt spans are children of: the chain span's, or the app's when not traced. */
  readonly context: Context;
  /** The request, when the call was seen (for its parameters and content). */
  readonly request: ChatRequest | undefined;
  /** The calls in flight: one, or the slow call and its hedge. */
  private readonly calls: AttemptTrace[] = [];
  /** The answering call, kept open until the result gives it its content. */
  answer: AttemptTrace | undefined;
  /** Calls made. */
  attempts = 0;
  /** `from -> to: reason`, one per switch. */
  readonly fallbacks: string[] = [];
  /** `model: reason`, one per model passed over. */
  readonly skips: string[] = [];
  /** Restarts announced with a `reset` part. */
  resets = 0;
  /** The hedges started, each with its winner once decided. */
  readonly hedges: HedgeTally[] = [];
  /** Epoch ms of the request's deadline, when it has one. */
  readonly deadlineAt: number | undefined;
  private sharedAttributes: Attributes | undefined;

  /**
   * @param start - the engine's announcement of the request
   * @param tracer - the tracer, when traced
   * @param span - the chain span, when traced
   * @param parent - the app's context at the call
   * @param request - the request, when the call was seen
   * @param deadlineMs - the request's deadline from its start, when it has one
   */
  constructor(
    start: RequestStartEvent,
    tracer: Tracer | undefined,
    span: Span | undefined,
    parent: Context,
    request?: ChatRequest,
    deadlineMs?: number,
  ) {
    this.requestId = start.requestId;
    this.method = start.method;
    this.tracer = tracer;
    this.span = span;
    this.context = span ? trace.setSpan(parent, span) : parent;
    this.request = request;
    this.deadlineAt = deadlineMs === undefined ? undefined : start.startedAt + deadlineMs;
  }

  /** Whether the chain span records: nothing is built for a span that would drop it. */
  get recording(): boolean {
    return this.span?.isRecording() === true;
  }

  /** Adds a span event to the chain span, building its attributes only if it records. */
  addEvent(name: string, attributes: () => Attributes): void {
    if (this.recording) this.span?.addEvent(name, attributes());
  }

  /**
   * The attributes every attempt span of this request shares (request
   * parameters, and the captured input): built once, at the first call that
   * records, and the same values for every call after it.
   */
  attemptAttributes(content: ContentCapture | undefined): Attributes {
    if (!this.sharedAttributes) {
      const { request } = this;
      this.sharedAttributes = request ? { ...requestAttributes(request), ...content?.input(request) } : {};
    }
    return this.sharedAttributes;
  }

  /**
   * The calls a call about to start leaves behind, no longer held: a hedge
   * runs beside the call in flight, but any other call comes after the calls
   * before it ended, so those still held (their record never came) are
   * returned, for the caller to end.
   */
  displacedBy(start: AttemptStartEvent): AttemptTrace[] {
    return start.hedge === true ? [] : this.calls.splice(0);
  }

  /** Holds a call that just started, until its record comes or the request ends. */
  hold(call: AttemptTrace): void {
    this.calls.push(call);
  }

  /** The call in flight that `start` announced (what the attempt wrapper runs), if this trace holds it. */
  callStartedBy(start: AttemptStartEvent): AttemptTrace | undefined {
    return this.calls.find((call) => call.start === start);
  }

  /** Takes the call in flight that `record` ends, if this trace holds it. */
  takeAttempt(record: AttemptRecord): AttemptTrace | undefined {
    const index = this.calls.findIndex((call) => call.matches(record));
    return index < 0 ? undefined : this.calls.splice(index, 1)[0];
  }

  /** Notes a hedge that started. */
  noteHedgeStart(event: HedgeStartEvent): void {
    this.hedges.push({ from: event.from, to: event.to, decided: false });
  }

  /** Notes who won the undecided hedge between the event's two models, if anyone did. */
  noteHedgeEnd(event: HedgeEndEvent): void {
    const hedge = this.hedges.find((h) => !h.decided && h.from === event.from && h.to === event.to);
    if (!hedge) return;
    hedge.decided = true;
    if (event.winner !== undefined) hedge.winner = event.winner;
  }

  /**
   * Ends the request as answered: who answered and what it cost on the chain
   * span, the content on the answer's. The chain span ends whatever ending
   * the answer's span does (a span processor may throw).
   */
  succeed(result: FallbackResult, content: ContentCapture | undefined): void {
    const answer = this.answer;
    this.answer = undefined;
    try {
      if (answer?.span?.isRecording() && content) answer.span.setAttributes(content.output(result));
    } finally {
      try {
        answer?.span?.end();
      } finally {
        this.end({ [understudyAttr.outcome]: "success", ...answerAttributes(result) });
      }
    }
  }

  /**
   * Ends the request as failed: `error.type` and status ERROR, with the
   * redacted message. `error` is whatever the request was rejected with,
   * an `Error` or not.
   */
  fail(error: unknown, redact: (text: string) => string): void {
    this.end({ [understudyAttr.outcome]: "failure", ...requestErrorAttributes(error) }, redact(messageOf(error)));
  }

  /** Ends the request as cancelled (the consumer stopped reading or dropped the stream, or the instrumentation was removed): not an error. */
  cancel(): void {
    this.end({ [understudyAttr.outcome]: "cancelled" });
  }

  private end(attributes: Attributes, errorMessage?: string): void {
    const { answer } = this;
    const open = this.calls.splice(0);
    this.answer = undefined;
    for (const call of open) call.finish();
    try {
      // Calls still open here ended without their record (the instrumentation was removed mid-call, or the stream dropped).
      endAll(open);
    } finally {
      try {
        answer?.span?.end();
      } finally {
        this.endChainSpan(attributes, errorMessage);
      }
    }
  }

  private endChainSpan(attributes: Attributes, errorMessage: string | undefined): void {
    const span = this.span;
    if (!span) return;
    try {
      if (span.isRecording()) {
        span.setAttributes({ ...tallyAttributes(this), ...attributes });
        if (errorMessage !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage });
      }
    } finally {
      span.end();
    }
  }
}

/** Ends every call's span, each whatever ending the others' does (a span processor may throw); rethrows the first failure. */
function endAll(calls: readonly AttemptTrace[]): void {
  const [first, ...rest] = calls;
  if (!first) return;
  try {
    first.span?.end();
  } finally {
    endAll(rest);
  }
}

/** The message of whatever a request was rejected with. */
function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
