import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LoggedRequest } from "../records/request-log-batch.ts";
import { MemorySink } from "../test-support/memory-sink.ts";
import { WriteQueue } from "./write-queue.ts";

type Step =
  | { readonly type: "push"; readonly count: number }
  | { readonly type: "sink"; readonly behaviour: "store" | "reject" | "throw" | "stall" }
  | { readonly type: "release" }
  | { readonly type: "tick" }
  | { readonly type: "flush" };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ type: fc.constant("push" as const), count: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ type: fc.constant("sink" as const), behaviour: fc.constantFrom("store", "reject", "throw", "stall") }),
  fc.constant({ type: "release" as const }),
  fc.constant({ type: "tick" as const }),
  fc.constant({ type: "flush" as const }),
);

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A stand-in for a request's rows: only its id matters here. */
const rowsOf = (id: number): LoggedRequest => ({ record: { requestId: `r${id}` } as LoggedRequest["record"], attempts: [] });

/** A queue over a sink the steps steer: it stores, rejects, throws, or stalls until released. */
class Harness {
  readonly sink = new MemorySink();
  readonly queue: WriteQueue<number>;
  offered = 0;
  private stalls: (() => void)[] = [];

  constructor(bufferSize: number, batchSize: number) {
    const settings = { chain: "c", bufferSize, batchSize, flushIntervalMs: 60_000, writeTimeoutMs: 60_000, onDrop: undefined };
    this.queue = new WriteQueue<number>(this.sink, rowsOf, settings);
  }

  async run(step: Step): Promise<void> {
    if (step.type === "push") for (let i = 0; i < step.count; i++) this.queue.push(this.offered++);
    else if (step.type === "sink") this.steer(step.behaviour);
    else if (step.type === "release") this.stalls.at(-1)?.();
    else if (step.type === "tick") await tick();
    else await this.settle(() => this.queue.flush());
  }

  /** Lets every stalled write go, stores from now on, and runs `then`. */
  async settle(then: () => Promise<void>): Promise<void> {
    this.sink.behaviour = "store";
    for (const release of this.stalls) release();
    await then();
  }

  private steer(behaviour: Extract<Step, { type: "sink" }>["behaviour"]): void {
    if (behaviour !== "stall") {
      this.sink.behaviour = behaviour;
      return;
    }
    const stalled = Promise.withResolvers<void>();
    this.sink.behaviour = stalled.promise;
    this.stalls.push(stalled.resolve);
  }
}

describe("WriteQueue", () => {
  it("accounts for every request once, writes one batch at a time within its bounds, and tells the sink of every loss", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 30 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 5 }),
        async (steps, bufferSize, batchSize) => {
          const harness = new Harness(bufferSize, batchSize);
          const { queue, sink } = harness;
          for (const s of steps) {
            await harness.run(s);
            const { written, failed, dropped, pending } = queue.stats();
            expect(written + failed + dropped + pending).toBe(harness.offered);
            expect(pending).toBeLessThanOrEqual(bufferSize + batchSize);
          }
          await harness.settle(() => queue.close());
          const { written, failed, dropped, pending } = queue.stats();
          expect(pending).toBe(0);
          expect(written + failed + dropped).toBe(harness.offered);
          expect(sink.requests).toHaveLength(written);
          expect(new Set(sink.requests.map((r) => r.record.requestId)).size).toBe(written);
          expect(sink.batches.every((batch) => batch.requests.length <= batchSize)).toBe(true);
          expect(sink.maxWritesInFlight).toBeLessThanOrEqual(1);
          expect(sink.reportedDrops).toBe(failed + dropped);
        },
      ),
      { numRuns: 150 },
    );
  });
});
