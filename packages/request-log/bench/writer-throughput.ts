import type { RequestLogSink } from "../src/index.ts";
import { sampleRequest } from "../src/test-support/sample-request.ts";

/**
 * Requests per second a sink stores: `count` typical requests (two attempts
 * and a tag each) in batches of `batchSize`, one batch at a time as
 * `recordRequests` sends them, timed from the first write to the last commit.
 */
export async function writerThroughput(sink: RequestLogSink, count: number, batchSize: number): Promise<number> {
  await sink.write({ requests: [] }); // opened and migrated before the clock starts
  const batches = [];
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    batches.push(Array.from({ length: size }, (_, i) => sampleRequest(`bench-${start + i}`, Date.now())));
  }
  const started = performance.now();
  for (const requests of batches) await sink.write({ requests });
  const seconds = (performance.now() - started) / 1_000;
  await sink.close();
  return count / seconds;
}
