import { type Attributes, type Context, type Span, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import type { AttemptRecord, ChatRequest, FallbackResult, RequestStartEvent } from "@understudy/core";
import type { ContentCapture } from "../content/captured-content.ts";
import { understudyAttr } from "../conventions/understudy-attributes.ts";
import type { AttemptTrace } from "./attempt-trace.ts";
import { answerAttributes, type ChainTally, tallyAttributes } from "./chain-span.ts";
import { requestErrorAttributes } from "./error-type.ts";
import { requestAttributes } from "./request-attributes.ts";

/**
 * Everything this package holds for one request, keyed by its `requestId`
 * and dropped at its end: the chain span, the call in flight, and the tally
 * the chain span reports. Concurrent requests never share one.
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
  /** The call in flight. */
  attempt: AttemptTrace | undefined;
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

  /** Takes the call in flight that `record` ends, if it is the one this trace holds. */
  takeAttempt(record: AttemptRecord): AttemptTrace | undefined {
    const current = this.attempt;
    if (!current?.matches(record)) return undefined;
    this.attempt = undefined;
    return current;
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
    const { attempt, answer } = this;
    this.attempt = undefined;
    this.answer = undefined;
    attempt?.finish();
    try {
      // A call still open here ended without its record (the instrumentation was removed mid-call, or the stream dropped).
      attempt?.span?.end();
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

/** The message of whatever a request was rejected with. */
function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
