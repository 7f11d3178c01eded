import { type Context, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import type { AttemptRecord, AttemptStartEvent } from "@understudy/core";
import { attemptEndAttributes } from "./attempt-span.ts";
import { type ServerAddress, type ServerListener, serverAttributes } from "./server-address.ts";

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

  /** Told by the HTTP watcher where the call went; the span gets `server.address` and `server.port`. */
  readonly noteServer: ServerListener = (server) => {
    this.server = server;
    if (this.span?.isRecording()) this.span.setAttributes(serverAttributes(server));
  };

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
