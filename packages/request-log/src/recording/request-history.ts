import type { AttemptRecord, ChatRequest, FallbackResult, HedgeEndEvent, RequestStartEvent } from "@understudy/core";
import type { CaptureChoice } from "./capture.ts";
import type { FailureFacts } from "./failure-facts.ts";

/** What the log keeps of a request between its start and its end. */
export interface StartedRequest {
  /** The facts of `requestStart`, without the request (a prompt is kept only when captured). */
  readonly event: Omit<RequestStartEvent, "request">;
  /** The request, held only when its prompt is captured. */
  readonly request: ChatRequest | undefined;
  /** Whether the answer is captured. */
  readonly captureAnswer: boolean;
  /** `reset` events seen so far. */
  resets: number;
  /** `hedgeStart` events seen so far. */
  hedges: number;
  /** `hedgeEnd` events seen so far whose winner was the model started beside the slow one. */
  hedgesWon: number;
}

/**
 * A request that ended, as the events told it; turned into records later, off
 * the request path. It holds only what the records need: a buffer of them
 * must not hold every prompt, answer and SDK error of the last seconds.
 */
export type EndedRequest =
  | {
      readonly start: StartedRequest;
      /** The result; its text and tool calls only when the answer is captured. */
      readonly result: FallbackResult;
    }
  | {
      readonly start: StartedRequest;
      readonly failure: FailureFacts;
      readonly attempts: readonly AttemptRecord[];
      /** Epoch ms of the `failure` event. */
      readonly endedAt: number;
    };

/**
 * The requests in flight, by id. Every `requestStart` is followed by one
 * `success` or `failure`, so entries leave; the bound is a guard against a
 * chain that breaks that promise, not a limit anyone should meet.
 */
export class RequestsInFlight {
  private readonly started = new Map<string, StartedRequest>();
  private readonly maxInFlight: number;

  /** @param maxInFlight - the most requests followed at once; beyond it, new ones are not (and `begin` says so) */
  constructor(maxInFlight: number) {
    this.maxInFlight = maxInFlight;
  }

  /** Follows a request from its start; false when too many are in flight already. */
  begin(event: RequestStartEvent, capture: CaptureChoice): boolean {
    if (this.started.size >= this.maxInFlight) return false;
    const { request, ...facts } = event;
    this.started.set(event.requestId, {
      event: facts,
      request: capture.prompt ? request : undefined,
      captureAnswer: capture.answer,
      resets: 0,
      hedges: 0,
      hedgesWon: 0,
    });
    return true;
  }

  /** Counts a `reset` of a followed request. */
  noteReset(requestId: string): void {
    const start = this.started.get(requestId);
    if (start) start.resets += 1;
  }

  /** Counts a hedge a followed request started. */
  noteHedgeStart(requestId: string): void {
    const start = this.started.get(requestId);
    if (start) start.hedges += 1;
  }

  /** Counts a hedge of a followed request that the model started beside the slow one won. */
  noteHedgeEnd(event: HedgeEndEvent): void {
    if (event.winner === undefined || event.winner !== event.to) return;
    const start = this.started.get(event.requestId);
    if (start) start.hedgesWon += 1;
  }

  /** Stops following a request and returns what was kept of its start (undefined when it was not followed). */
  end(requestId: string): StartedRequest | undefined {
    const start = this.started.get(requestId);
    this.started.delete(requestId);
    return start;
  }

  /** Forgets every request in flight and returns how many there were. */
  abandon(): number {
    const count = this.started.size;
    this.started.clear();
    return count;
  }
}
