import type { LoggedRequest, RequestLogBatch } from "../records/request-log-batch.ts";
import type { RequestLogSink } from "../records/request-log-sink.ts";

/** A sink that keeps batches in memory, and fails, stalls or throws when told to. */
export class MemorySink implements RequestLogSink {
  readonly batches: RequestLogBatch[] = [];
  closed = 0;
  /** What the next writes do: store, reject, throw at once, or wait for a promise. */
  behaviour: "store" | "reject" | "throw" | Promise<void> = "store";
  writesInFlight = 0;
  maxWritesInFlight = 0;

  get requests(): LoggedRequest[] {
    return this.batches.flatMap((batch) => batch.requests);
  }

  get reportedDrops(): number {
    return this.batches.reduce((sum, batch) => sum + (batch.dropped?.count ?? 0), 0);
  }

  write(batch: RequestLogBatch): Promise<void> {
    const behaviour = this.behaviour;
    if (behaviour === "throw") throw new Error("the sink threw");
    this.writesInFlight++;
    this.maxWritesInFlight = Math.max(this.maxWritesInFlight, this.writesInFlight);
    const done = async () => {
      try {
        if (behaviour === "reject") throw new Error("the sink is down");
        if (behaviour !== "store") await behaviour;
        this.batches.push(batch);
      } finally {
        this.writesInFlight--;
      }
    };
    return done();
  }

  async close(): Promise<void> {
    this.closed++;
  }
}
