import { guarded } from "../report-failure.ts";
import type { RequestTrace } from "./request-trace.ts";

/** How soon a request nobody will end is noticed. */
export interface AbandonTiming {
  /** How often the requests in flight are checked against their deadline, in ms. */
  readonly sweepEveryMs: number;
  /** How long past its deadline a request still open is taken as abandoned, in ms. */
  readonly graceMs: number;
}

/** The default timing: checked every 10 s, abandoned 30 s past the deadline. */
export const defaultAbandonTiming: AbandonTiming = { sweepEveryMs: 10_000, graceMs: 30_000 };

/**
 * The safety net for requests whose end no event will ever tell: a stream
 * read at least once and then dropped without `return()` (no `break`, no
 * `for await`) stays suspended with its request open, and the engine says
 * nothing more of it. Its trace is ended (as cancelled, by `abandon`) when
 * either comes first:
 *
 * - the stream is garbage-collected (a `FinalizationRegistry`; when, or
 *   whether, is up to the garbage collector);
 * - its deadline, when the request has one, is `graceMs` past: the engine
 *   ends every request it still drives at its deadline, so one still open
 *   that long after is not being driven. A sweep checks every
 *   `sweepEveryMs`, only while such a request is open, on an unref'd timer
 *   that never keeps the process alive.
 */
export class AbandonedRequests {
  private readonly traces: ReadonlyMap<string, RequestTrace>;
  private readonly abandon: (requestId: string) => void;
  private readonly timing: AbandonTiming;
  private readonly collected: FinalizationRegistry<string>;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  /**
   * @param traces - the requests in flight, by id
   * @param abandon - ends one of them as cancelled
   * @param timing - how often to sweep, and how long past a deadline
   */
  constructor(traces: ReadonlyMap<string, RequestTrace>, abandon: (requestId: string) => void, timing: AbandonTiming) {
    this.traces = traces;
    this.abandon = guarded("ending an abandoned request", abandon);
    this.timing = timing;
    // Holds the request id, never the trace or the stream: nothing here keeps either alive.
    this.collected = new FinalizationRegistry(this.abandon);
  }

  /** Ends `trace` if `stream` is garbage-collected while it is still open. */
  watchStream(stream: object, trace: RequestTrace): void {
    this.collected.register(stream, trace.requestId, trace);
  }

  /** Starts the sweep, if `trace` has a deadline and none runs. */
  watchDeadline(trace: RequestTrace): void {
    if (trace.deadlineAt === undefined || this.sweeper !== undefined) return;
    this.sweeper = setInterval(guarded("sweeping abandoned requests", this.sweep), this.timing.sweepEveryMs);
    this.sweeper.unref?.();
  }

  /** `trace` ended: nothing to watch any more. */
  forget(trace: RequestTrace): void {
    this.collected.unregister(trace);
  }

  /** Stops the sweep (the instrumentation was removed). */
  stop(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private readonly sweep = (): void => {
    const now = Date.now();
    let waiting = false;
    for (const trace of [...this.traces.values()]) {
      if (trace.deadlineAt === undefined) continue;
      if (now - trace.deadlineAt >= this.timing.graceMs) this.abandon(trace.requestId);
      else waiting = true;
    }
    if (!waiting) this.stop();
  };
}
