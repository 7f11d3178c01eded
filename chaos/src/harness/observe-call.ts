import type { CallOptions, ChatRequest, Fallback, FallbackResult, FallbackStreamPart } from "@understudy/core";
import { asCall, nextSeq, nextTag } from "./call-context.ts";

/**
 * What the caller does with its call. A caller's own faults — aborting,
 * stopping early, cancelling, never reading — must never count against a
 * model's health.
 */
export type CallerBehaviour =
  /** Reads the whole answer. */
  | { readonly kind: "read" }
  /** Aborts its signal `ms` after the call starts (for a stream: after reading starts). */
  | { readonly kind: "abort-at"; readonly ms: number }
  /** Streams: aborts its signal when the `parts`-th part arrives (0: before the first `next()`). */
  | { readonly kind: "abort-after-parts"; readonly parts: number }
  /** Passes a signal that is already aborted. */
  | { readonly kind: "pre-aborted" }
  /** Streams: `break`s out of `for await` after `parts` parts (0: at once, on the first). */
  | { readonly kind: "break"; readonly afterParts: number }
  /** Streams: `ReadableStream.from(stream).cancel()`, before the first chunk or after it. */
  | { readonly kind: "cancel"; readonly afterFirstChunk: boolean }
  /** Streams: takes the iterator and closes it (`return()`) before any `next()`. */
  | { readonly kind: "return-before-next" }
  /** Streams: never reads the stream at all. */
  | { readonly kind: "never-iterate" };

/** One call a property makes. */
export interface CallPlan {
  readonly method: "generate" | "stream";
  /** The request, as the caller wrote it (maybe hostile). */
  readonly request: unknown;
  /** The call options, as the caller wrote them (maybe hostile); `undefined` passes none. */
  readonly options?: unknown;
  readonly caller: CallerBehaviour;
  /** Streams: read-to-end pauses this long (ms) between parts, as a slow consumer does. */
  readonly pauseMs?: number;
}

/** How a promise ended, and when. */
export type Settlement<T> =
  | { readonly state: "pending" }
  | { readonly state: "resolved"; readonly value: T; readonly at: number; readonly seq: number }
  | { readonly state: "rejected"; readonly error: unknown; readonly at: number; readonly seq: number };

/** What happened to one call, as the caller saw it. */
export interface CallObservation {
  readonly tag: number;
  readonly plan: CallPlan;
  /** When the call started (for a stream: when reading started), on the clock in use. */
  startedAt: number;
  /** `generate`: its promise. `stream`: how iteration ended (resolved = ended normally). */
  outcome: Settlement<FallbackResult | undefined>;
  /** How many times the caller's view of the call settled (must be once). */
  settlements: number;
  /** `stream()` threw at once (a `RequestError` must). */
  thrownAtOnce: { readonly error: unknown } | undefined;
  /** Streams: `stream.result`. */
  result: Settlement<FallbackResult>;
  /** Streams: the parts read, in order. */
  readonly parts: FallbackStreamPart[];
  /** Streams: a part that arrived after `next()` reported done. */
  partAfterDone: boolean;
  /** The caller's own fault, if it made one: what and when (in the global order, and on the clock). */
  callerFault: { readonly what: CallerBehaviour["kind"]; readonly seq: number; readonly at: number } | undefined;
  /** The call's work is over: the caller is done with it (settled, or stopped reading). */
  done: boolean;
}

/**
 * Makes one call as `plan` says, inside its own call context, and records
 * what the caller sees. Resolves when the caller is done with the call; the
 * result promise of a stream keeps being tracked after that.
 */
export function observeCall(
  chat: Fallback,
  plan: CallPlan,
): { readonly observation: CallObservation; readonly finished: Promise<void> } {
  const tag = nextTag();
  const observation: CallObservation = {
    tag,
    plan,
    startedAt: Date.now(),
    outcome: { state: "pending" },
    settlements: 0,
    thrownAtOnce: undefined,
    result: { state: "pending" },
    parts: [],
    partAfterDone: false,
    callerFault: undefined,
    done: false,
  };
  const finished = asCall(tag, () => run(chat, plan, observation)).finally(() => {
    observation.done = true;
  });
  return { observation, finished };
}

/** A stream that was read and whose `result` has not settled yet. */
export function awaitsResult(o: CallObservation): boolean {
  return (
    o.plan.method === "stream" &&
    o.result.state === "pending" &&
    o.thrownAtOnce === undefined &&
    o.plan.caller.kind !== "never-iterate"
  );
}

function noteFault(observation: CallObservation, what: CallerBehaviour["kind"]): void {
  observation.callerFault ??= { what, seq: nextSeq(), at: Date.now() };
}

function settle<T>(observation: CallObservation, outcome: Settlement<T>, into: "outcome" | "result"): void {
  if (into === "outcome") {
    observation.settlements++;
    if (observation.outcome.state === "pending") observation.outcome = outcome as Settlement<FallbackResult | undefined>;
  } else if (observation.result.state === "pending") {
    observation.result = outcome as Settlement<FallbackResult>;
  }
}

function resolved<T>(value: T): Settlement<T> {
  return { state: "resolved", value, at: Date.now(), seq: nextSeq() };
}

function rejected(error: unknown): Settlement<never> {
  return { state: "rejected", error, at: Date.now(), seq: nextSeq() };
}

/** The options to pass: the plan's, with the caller's own signal when its behaviour needs one. */
function optionsWithSignal(plan: CallPlan, controller: AbortController | undefined): unknown {
  if (!controller) return plan.options;
  const base = typeof plan.options === "object" && plan.options !== null ? plan.options : {};
  return { ...base, signal: controller.signal };
}

function needsSignal(caller: CallerBehaviour): boolean {
  return caller.kind === "abort-at" || caller.kind === "abort-after-parts" || caller.kind === "pre-aborted";
}

async function run(chat: Fallback, plan: CallPlan, observation: CallObservation): Promise<void> {
  const controller = needsSignal(plan.caller) ? new AbortController() : undefined;
  const abort = (): void => {
    if (!controller || controller.signal.aborted) return;
    noteFault(observation, plan.caller.kind);
    controller.abort(new Error("chaos: the caller aborted"));
  };
  if (plan.caller.kind === "pre-aborted") abort();
  const options = optionsWithSignal(plan, controller) as CallOptions;
  const request = plan.request as ChatRequest;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const startAbortTimer = (): void => {
    if (plan.caller.kind === "abort-at") timer = setTimeout(abort, plan.caller.ms);
  };
  try {
    if (plan.method === "generate") {
      observation.startedAt = Date.now();
      startAbortTimer();
      const pending = plan.options === undefined && !controller ? chat.generate(request) : chat.generate(request, options);
      await pending.then(
        (value) => settle(observation, resolved(value), "outcome"),
        (error: unknown) => settle(observation, rejected(error), "outcome"),
      );
      return;
    }
    let stream: ReturnType<Fallback["stream"]>;
    try {
      stream = plan.options === undefined && !controller ? chat.stream(request) : chat.stream(request, options);
    } catch (error) {
      observation.thrownAtOnce = { error };
      settle(observation, rejected(error), "outcome");
      return;
    }
    stream.result.then(
      (value) => settle(observation, resolved(value), "result"),
      (error: unknown) => settle(observation, rejected(error), "result"),
    );
    observation.startedAt = Date.now();
    await readStream(stream, plan, observation, abort, startAbortTimer);
  } finally {
    clearTimeout(timer);
  }
}

async function readStream(
  stream: AsyncIterable<FallbackStreamPart> & { result: Promise<FallbackResult> },
  plan: CallPlan,
  observation: CallObservation,
  abort: () => void,
  startAbortTimer: () => void,
): Promise<void> {
  const { caller } = plan;
  switch (caller.kind) {
    case "never-iterate":
      return;
    case "return-before-next": {
      const iterator = stream[Symbol.asyncIterator]();
      noteFault(observation, caller.kind);
      await settleInto(observation, iterator.return?.());
      return;
    }
    case "cancel": {
      startAbortTimer();
      const readable = ReadableStream.from(stream);
      if (!caller.afterFirstChunk) {
        noteFault(observation, caller.kind);
        await settleInto(observation, readable.cancel());
        return;
      }
      const reader = readable.getReader();
      try {
        const first = await reader.read();
        if (first.done) {
          settle(observation, resolved(undefined), "outcome");
          return;
        }
        observation.parts.push(first.value);
        noteFault(observation, caller.kind);
        await settleInto(observation, reader.cancel());
      } catch (error) {
        settle(observation, rejected(error), "outcome");
      }
      return;
    }
    default:
      break;
  }
  startAbortTimer();
  if (caller.kind === "abort-after-parts" && caller.parts === 0) abort();
  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const step = await iterator.next();
      if (step.done) {
        settle(observation, resolved(undefined), "outcome");
        break;
      }
      observation.parts.push(step.value);
      const count = observation.parts.length;
      if (caller.kind === "abort-after-parts" && count === caller.parts) abort();
      if (caller.kind === "break" && count >= Math.max(1, caller.afterParts)) {
        noteFault(observation, caller.kind);
        await settleInto(observation, iterator.return?.());
        break;
      }
      if (plan.pauseMs) await new Promise((resolve) => setTimeout(resolve, plan.pauseMs));
    }
  } catch (error) {
    settle(observation, rejected(error), "outcome");
    return;
  }
  // A finished iterator stays finished.
  if (observation.outcome.state === "resolved" && observation.callerFault === undefined) {
    const again = await iterator.next().catch(() => ({ done: true as const, value: undefined }));
    if (!again.done) observation.partAfterDone = true;
  }
}

/** Settles the caller's view with how closing the stream went (`break`, `cancel`, `return`). */
async function settleInto(observation: CallObservation, closing: Promise<unknown> | undefined): Promise<void> {
  try {
    await closing;
    settle(observation, resolved(undefined), "outcome");
  } catch (error) {
    settle(observation, rejected(error), "outcome");
  }
}
