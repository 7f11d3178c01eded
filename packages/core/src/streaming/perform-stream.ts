import { learnedFirstTokenMs } from "../engine/learned-timers.ts";
import type { AttemptContext } from "../engine/run-attempt.ts";
import { ModelError } from "../errors/model-error.ts";
import { underUserPolicy } from "../policies/user-policy.ts";
import type { ChatResponse } from "../spec/chat-response.ts";
import type { FallbackStreamPart, StreamPart } from "../spec/stream-part.ts";
import { StreamCollector } from "./stream-collector.ts";

/**
 * One streamed call: the first-token timer until the first part, then the
 * idle timer over each wait on the provider (a caller that pauses between
 * parts is not idle: the stream is pull-driven). A stream that ends without
 * `finish` is broken, whatever ended it; a timer's abort is classified by the
 * attempt from its scope.
 */
export async function* performStream(context: AttemptContext): AsyncGenerator<FallbackStreamPart, ChatResponse, undefined> {
  const { run, slot, scope, request } = context;
  const { settings } = slot;
  let iterator: AsyncIterator<StreamPart> | undefined;
  const open = (): Promise<IteratorResult<StreamPart>> => {
    closeQuietly(iterator);
    // The adapter's HTTP call starts at the first next(): that is what the attempt wrappers wrap.
    return run.wrap(context.start, () => {
      iterator = settings.adapter.stream(request, { signal: scope.signal })[Symbol.asyncIterator]();
      return iterator.next();
    });
  };
  const collector = new StreamCollector();
  // A scope already fired makes no call: classified from its cause, like any other stop.
  if (scope.cause) throw new Error(`the attempt stopped before its call (${scope.cause})`);
  try {
    context.learnedFirstTokenMs = learnedFirstTokenMs(slot, run, context.probe);
    const timerMs = context.learnedFirstTokenMs ?? settings.firstTokenMs;
    scope.startTimer("first-token-timeout", timerMs);
    context.silenceTimerMs = timerMs;
    let step = await scope.race(underUserPolicy(settings.policy, scope, open));
    scope.clearTimer("first-token-timeout");
    for (;;) {
      if (step.done) throw endedWithoutFinish(context);
      const part = step.value;
      if (part.type === "finish") return collector.finish(part);
      // A hedged stream's first content claims the race (one whose parts are held claims once its answer
      // passed its checks); the loser's part never reaches the caller.
      if (context.firstContentAt === undefined && !context.heldParts && context.race && !context.race.claim(context)) {
        throw new Error("the other call of the hedge delivered first");
      }
      context.firstContentAt ??= Date.now();
      collector.add(part);
      context.outputChars = collector.outputLength;
      if (context.heldParts) {
        // Held until the answer passed its checks: the caller sees nothing yet, and the provider stays read.
        context.heldParts.push(part);
        scope.startTimer("idle-timeout", settings.idleMs);
        step = await scope.race((iterator as AsyncIterator<StreamPart>).next());
        scope.clearTimer("idle-timeout");
        continue;
      }
      run.progress.deliver(part);
      context.waitingOnProvider = false;
      yield part;
      // A scope that fired while the consumer held the part ends the attempt on the consumer's time.
      if (scope.cause) throw new Error(`the request stopped while the consumer held the stream (${scope.cause})`);
      context.waitingOnProvider = true;
      scope.startTimer("idle-timeout", settings.idleMs);
      step = await scope.race((iterator as AsyncIterator<StreamPart>).next());
      scope.clearTimer("idle-timeout");
    }
  } finally {
    closeQuietly(iterator);
  }
}

function endedWithoutFinish(context: AttemptContext): Error {
  if (context.scope.cause) return new Error(`stream ended after an abort (${context.scope.cause})`);
  const { adapter } = context.slot.settings;
  return new ModelError({
    kind: "stream_broken",
    provider: adapter.provider,
    model: adapter.modelId,
    message: "the stream ended without its terminal part",
  });
}

/** Asks the adapter's iterator to clean up without waiting on it: a stuck adapter must not hang the request. */
function closeQuietly(iterator: AsyncIterator<StreamPart> | undefined): void {
  if (!iterator?.return) return;
  try {
    Promise.resolve(iterator.return()).catch(() => {});
  } catch {
    // An iterator whose return() throws has nothing left to clean up.
  }
}
