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

describe("WriteQueue", () => {
  it("accounts for every request once, writes one batch at a time within its bounds, and tells the sink of every loss", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 30 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 5 }),
        async (steps, bufferSize, batchSize) => {
          const sink = new MemorySink();
          const queue = new WriteQueue<number>(sink, rowsOf, {
            chain: "c",
            bufferSize,
            batchSize,
            flushIntervalMs: 60_000,
            writeTimeoutMs: 60_000,
            onDrop: undefined,
          });
          let offered = 0;
          let release = () => {};
          const releaseAll: (() => void)[] = [];
          for (const s of steps) {
            if (s.type === "push") for (let i = 0; i < s.count; i++) queue.push(offered++);
            else if (s.type === "sink" && s.behaviour === "stall") {
              const stalled = Promise.withResolvers<void>();
              sink.behaviour = stalled.promise;
              release = stalled.resolve;
              releaseAll.push(stalled.resolve);
            } else if (s.type === "sink") sink.behaviour = s.behaviour as Exclude<typeof s.behaviour, "stall">;
            else if (s.type === "release") release();
            else if (s.type === "tick") await tick();
            else {
              sink.behaviour = "store";
              for (const r of releaseAll) r();
              await queue.flush();
            }
            const { written, failed, dropped, pending } = queue.stats();
            expect(written + failed + dropped + pending).toBe(offered);
            expect(pending).toBeLessThanOrEqual(bufferSize + batchSize);
          }
          sink.behaviour = "store";
          for (const r of releaseAll) r();
          await queue.close();
          const { written, failed, dropped, pending } = queue.stats();
          expect(pending).toBe(0);
          expect(written + failed + dropped).toBe(offered);
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
