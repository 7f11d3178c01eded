import { type Context, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import type { AttemptRecord, AttemptStartEvent } from "@understudy/core";
import { attemptEndAttributes } from "./attempt-span.ts";
import { type ServerAddress, type ServerListener, ServerWatch, serverAttributes } from "./server-address.ts";

/** One call to a model in flight: its span (when traced) and where its HTTP call went. */
export class AttemptTrace {
  /** The call as the engine announced it (the same object the attempt wrapper receives). */
  readonly start: AttemptStartEvent;
  /** The call's span; `undefined` when the request is measured but not traced. */
  readonly span: Span | undefined;
  /** The context with the span active, for the adapter's SDK call to run in. */
  readonly context: Context | undefined;
  /** Where the call's HTTP request went, once it went. */
  server: ServerAddress | undefined;
  private readonly watch = new ServerWatch((server) => this.noteServer(server));

  /**
   * @param start - the engine's announcement of the call
   * @param span - its span, if traced
   * @param parent - the chain span's context
   */
  constructor(start: AttemptStartEvent, span: Span | undefined, parent: Context) {
    this.start = start;
    this.span = span;
    this.context = span && trace.setSpan(parent, span);
  }

  /**
   * What the HTTP watcher tells where the call went, until {@link finish}:
   * the first address wins: it is the SDK's request, and a fetch made later
   * in the same async context (a timer's, a beacon) is not the call.
   */
  get serverListener(): ServerListener {
    return this.watch.listener;
  }

  /** Stops listening for the call's HTTP requests: its record arrived, or the request ended. */
  finish(): void {
    this.watch.stop();
  }

  private noteServer(server: ServerAddress): void {
    if (this.server) return;
    this.server = server;
    if (this.span?.isRecording()) this.span.setAttributes(serverAttributes(server));
  }

  /** Whether `record` is this call's. */
  matches(record: AttemptRecord): boolean {
    return record.model === this.start.model && record.attempt === this.start.attempt;
  }

  /**
   * Writes how the call ended on its span, without ending it. A failure is
   * an error (status ERROR, its message redacted by `redact`); a call
   * cancelled by the caller is not, and only says so.
   */
  describeEnd(record: AttemptRecord, redact: (text: string) => string): void {
    const span = this.span;
    if (!span?.isRecording()) return;
    span.setAttributes(attemptEndAttributes(record));
    if (record.outcome === "failure")
      span.setStatus({ code: SpanStatusCode.ERROR, message: redact(record.message ?? record.kind ?? "") });
  }
}
