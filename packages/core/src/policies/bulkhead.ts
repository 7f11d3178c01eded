/** Thrown when a model's bulkhead and its queue are both full; the engine falls over. */
export class BulkheadFullError extends Error {
  /** @param modelId - the model whose bulkhead is full */
  constructor(modelId: string) {
    super(`${modelId}: bulkhead full (all slots busy and the queue full)`);
    this.name = "BulkheadFullError";
  }
}

interface Waiter {
  readonly grant: (release: () => void) => void;
}

/**
 * A concurrency limit with a bounded queue. Unlike cockatiel's bulkhead, a
 * queued caller that aborts leaves the queue at once (cockatiel notices only
 * when the caller reaches the head, holding a queue place until then).
 */
export class Bulkhead {
  private active = 0;
  private readonly queue: Waiter[] = [];
  private readonly modelId: string;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;

  /**
   * @param modelId - for error messages
   * @param maxConcurrent - calls in flight at once
   * @param maxQueued - calls that may wait for a slot
   */
  constructor(modelId: string, maxConcurrent: number, maxQueued: number) {
    this.modelId = modelId;
    this.maxConcurrent = maxConcurrent;
    this.maxQueued = maxQueued;
  }

  /** Calls in flight now. */
  get inFlight(): number {
    return this.active;
  }

  /** Whether a call now would get a slot at once, without waiting. */
  get hasFreeSlot(): boolean {
    return this.active < this.maxConcurrent;
  }

  /** Calls waiting now. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Resolves with a release function once a slot is free; rejects with
   * {@link BulkheadFullError} when the queue is full, or with the signal's
   * reason when it aborts while waiting.
   */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.active < this.maxConcurrent) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxQueued) return Promise.reject(new BulkheadFullError(this.modelId));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.queue.splice(this.queue.indexOf(waiter), 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next.grant(this.releaser());
      else this.active--;
    };
  }
}
