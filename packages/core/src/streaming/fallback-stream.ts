import type { FallbackResult } from "../engine/fallback-result.ts";
import type { RequestRun } from "../engine/request-run.ts";
import { walkChain } from "../engine/walk-chain.ts";
import { ModelError } from "../errors/model-error.ts";
import { RequestError } from "../errors/request-error.ts";
import type { FallbackStreamPart, FinishPart } from "../spec/stream-part.ts";
import { performStream } from "./perform-stream.ts";

/**
 * A streamed answer: iterate it for the parts, await `result` for the final
 * result (model, attempts, usage, cost). The request starts when iteration
 * starts (a stream never read makes no call and holds no timer); `result`
 * settles when the stream ends, fails, or the consumer stops
 * reading (`break`), which aborts the call, frees its bulkhead slot and counts
 * as neither success nor failure (`result` then rejects with kind `aborted`).
 *
 * @example
 * ```ts
 * const stream = chat.stream({ messages: [{ role: "user", content: "Hi" }] });
 * for await (const part of stream) {
 *   if (part.type === "text-delta") process.stdout.write(part.text);
 *   if (part.type === "reset") clearScreen(); // only with midStream: "restart"
 * }
 * const { model, cost } = await stream.result;
 * ```
 */
export class FallbackStream implements AsyncIterable<FallbackStreamPart> {
  /**
   * The final result; settles once the stream has ended (answered, failed,
   * stopped by the consumer, or closed before it was read). Never an unhandled
   * rejection. The request starts when reading starts: a stream nobody reads
   * makes no call, and its `result` waits for that reading.
   */
  readonly result: Promise<FallbackResult>;
  private settle: { resolve: (result: FallbackResult) => void; reject: (error: unknown) => void };
  private started = false;
  private readonly startRun: () => RequestRun;

  /**
   * Made by {@link Fallback.stream}, not by users.
   *
   * @param startRun - starts the request, validated already; called when reading starts
   * @internal
   */
  constructor(startRun: () => RequestRun) {
    this.startRun = startRun;
    const { promise, resolve, reject } = Promise.withResolvers<FallbackResult>();
    promise.catch(() => {});
    this.result = promise;
    this.settle = { resolve, reject };
  }

  /**
   * Starts the request. A stream can be read once. Closing the iterator
   * before its first `next()` (a web client gone before the first chunk)
   * makes no call and settles `result` as aborted.
   */
  [Symbol.asyncIterator](): AsyncIterator<FallbackStreamPart> {
    if (this.started) {
      throw new RequestError(
        "stream",
        "is already being read (a stream can be read once)",
        "call `chat.stream()` again for another answer",
      );
    }
    this.started = true;
    const parts = this.drive();
    let begun = false;
    const closeUnbegun = (): void => {
      // A generator closed before it began never runs its body, nor its `finally`.
      if (!begun) this.settle.reject(stoppedReading());
      begun = true;
    };
    return {
      next: () => {
        begun = true;
        return parts.next();
      },
      return: (value?: unknown) => {
        closeUnbegun();
        return parts.return(value as undefined);
      },
      // A consumer's error (a relay's `throw()` through `yield*`) stops the
      // stream as a consumer that stops reading does: the model is not to blame.
      throw: async (error?: unknown) => {
        closeUnbegun();
        await parts.return(undefined);
        throw error;
      },
    };
  }

  private async *drive(): AsyncGenerator<FallbackStreamPart, void, undefined> {
    const { settle } = this;
    const run = this.startRun();
    let settled = false;
    try {
      const result = yield* walkChain(run, performStream);
      settled = true;
      settle.resolve(result);
      // The request is over: nothing of it (deadline timer, caller's signal) waits on a consumer who stops at `finish`.
      run.dispose();
      // The terminal part comes once `result` holds: a consumer that stops at it loses nothing.
      yield finishPartOf(result);
    } catch (error) {
      settled = true;
      settle.reject(run.fail(error));
      throw error;
    } finally {
      // A consumer that stops reading ends the request too: `failure` says so, or a log would wait for it forever.
      if (!settled) settle.reject(run.fail(stoppedReading()));
      run.dispose();
    }
  }
}

function stoppedReading(): ModelError {
  return new ModelError({ kind: "aborted", message: "the consumer stopped reading the stream" });
}

/** The stream's last part: why the answering model stopped and what its answer used. */
function finishPartOf(result: FallbackResult): FinishPart {
  return {
    type: "finish",
    finishReason: result.finishReason,
    usage: result.usage,
    ...(result.responseId === undefined ? {} : { responseId: result.responseId }),
  };
}
