import { type Context, context, ROOT_CONTEXT } from "@opentelemetry/api";
import type { CallOptions, ChatRequest, Fallback, FallbackResult, FallbackStream, FallbackStreamPart } from "@understudy/core";
import { reportFailure } from "../report-failure.ts";
import { patchMethod } from "./patch-method.ts";

/**
 * A call to the chain as the app made it: what the engine's events do not
 * carry (the request itself, and the app's context at the call), and, once
 * the engine has announced it, the request's id.
 */
export interface SeenCall {
  /** The request, as passed to `generate` or `stream`. */
  readonly request: ChatRequest;
  /** The call's options, as passed (its own `deadlineMs`, if any). */
  readonly options: CallOptions | undefined;
  /** The app's active context when it called (a stream starts later, when read). */
  readonly context: Context;
  /** The engine's id of the request, set at its `requestStart`. */
  requestId?: string;
}

/** How a request's promise settled: `generate`'s, or a stream's `result`. */
export type Settlement = { readonly rejected: false } | { readonly rejected: true; readonly reason: unknown };

/** What the interception tells the instrumentation. */
export interface CallObserver {
  /** Whether the parts of a stream are worth looking at (its request is traced). */
  watchesParts(requestId: string): boolean;
  /** A part reached the caller (only `reset` parts matter). */
  onPart(requestId: string, part: FallbackStreamPart): void;
  /** A stream's request started, at its first `next()`: `stream` is the object the app holds. */
  onStreamStarted(requestId: string, stream: FallbackStream): void;
  /**
   * A request's promise settled, `generate`'s or a stream's `result`: the
   * request is over, however it ended. The engine's events have told it
   * already, but for what they do not tell: a consumer that stopped reading,
   * or a rejection with something other than an `Error` from an engine that
   * emits no `failure` for it.
   */
  onSettled(requestId: string, settlement: Settlement): void;
}

/**
 * The call being started right now. The engine announces a request
 * (`requestStart`) synchronously inside `generate()`, and inside a stream's
 * first `next()`: the listener takes the call from here.
 */
export class PendingCall {
  private current: SeenCall | undefined;

  /** Runs `start` with `call` pending, and restores whatever was pending before. */
  during<T>(call: SeenCall, start: () => T): T {
    const previous = this.current;
    this.current = call;
    try {
      return start();
    } finally {
      this.current = previous;
    }
  }

  /** The pending call, taken (a nested request started by a listener must not take it again). */
  take(): SeenCall | undefined {
    const call = this.current;
    this.current = undefined;
    return call;
  }
}

/**
 * Wraps this chain's `generate` and `stream` (on the instance, not the
 * class) to see each request and the app's context at the call, a stream's
 * `reset` parts and the end of each. The wrappers only note and pass
 * through: the engine's own methods run unchanged, and whatever they throw
 * or reject with is thrown or rejected with. Returns a function that
 * restores the methods.
 */
export function interceptCalls(chain: Fallback, pending: PendingCall, observer: CallObserver): () => void {
  const unpatchGenerate = patchMethod(
    chain,
    "generate",
    (generate) =>
      function (this: Fallback, request: ChatRequest, options?: CallOptions) {
        const call: SeenCall = { request, options, context: activeContext() };
        const returned = pending.during(call, () => generate.call(this, request, options));
        return watchGenerate(returned, call, observer);
      },
  );
  const unpatchStream = patchMethod(
    chain,
    "stream",
    (stream) =>
      function (this: Fallback, request: ChatRequest, options?: CallOptions) {
        const returned = stream.call(this, request, options);
        try {
          watchStream(returned, { request, options, context: activeContext() }, pending, observer);
        } catch (error) {
          reportFailure("watching a stream", error);
        }
        return returned;
      },
  );
  return () => {
    unpatchGenerate();
    unpatchStream();
  };
}

/** The app's context now; the root one if its context manager fails (the call must go on regardless). */
function activeContext(): Context {
  try {
    return context.active();
  } catch (error) {
    reportFailure("reading the active context", error);
    return ROOT_CONTEXT;
  }
}

/**
 * `generate`'s promise, followed to its end: the same value or rejection,
 * one tick later, once the observer was told. A promise of its own rather
 * than a handler on the engine's, so that a rejection the app leaves
 * unhandled is still reported as unhandled.
 */
function watchGenerate(returned: Promise<FallbackResult>, call: SeenCall, observer: CallObserver): Promise<FallbackResult> {
  const { requestId } = call;
  if (requestId === undefined || typeof returned?.then !== "function") return returned;
  return returned.then(
    (result) => {
      tell(() => observer.onSettled(requestId, { rejected: false }));
      return result;
    },
    (reason: unknown) => {
      tell(() => observer.onSettled(requestId, { rejected: true, reason }));
      throw reason;
    },
  );
}

/** Makes the stream's iterator announce its call at the first `next()`, and report its parts and its end. */
function watchStream(stream: FallbackStream, call: SeenCall, pending: PendingCall, observer: CallObserver): void {
  const iterate = stream[Symbol.asyncIterator].bind(stream);
  stream[Symbol.asyncIterator] = () => watchedIterator(iterate(), stream, call, pending, observer);
}

function watchedIterator(
  inner: AsyncIterator<FallbackStreamPart>,
  stream: FallbackStream,
  call: SeenCall,
  pending: PendingCall,
  observer: CallObserver,
): AsyncIterator<FallbackStreamPart> {
  let begun = false;
  const begin = (): Promise<IteratorResult<FallbackStreamPart>> => {
    begun = true;
    const step = pending.during(call, () => inner.next());
    const { requestId } = call;
    if (requestId !== undefined) {
      tell(() => observer.onStreamStarted(requestId, stream));
      stream.result.then(
        () => tell(() => observer.onSettled(requestId, { rejected: false })),
        (reason: unknown) => tell(() => observer.onSettled(requestId, { rejected: true, reason })),
      );
    }
    return step;
  };
  return {
    next: () => {
      const step = begun ? inner.next() : begin();
      const { requestId } = call;
      // Looking costs a reaction per part: only for a traced request.
      if (requestId !== undefined && observer.watchesParts(requestId)) {
        step.then((result) => {
          if (!result.done) observer.onPart(requestId, result.value);
        }, ignore);
      }
      return step;
    },
    ...(inner.return && { return: inner.return.bind(inner) }),
    ...(inner.throw && { throw: inner.throw.bind(inner) }),
  };
}

function ignore(): void {}

/** Tells the observer something; whatever it throws is reported, never passed to the app. */
function tell(notify: () => void): void {
  try {
    notify();
  } catch (error) {
    reportFailure("observing a call", error);
  }
}
