// What the request log costs the app that records: µs added to each request,
// the event loop's delay while the log writes, and how fast the writer stores.
//
//   pnpm --filter @understudy/request-log bench           (about a minute)
//   pnpm --filter @understudy/request-log bench --quick   (seconds; checks the harness, figures mean little)
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { RequestLogBatch, RequestLogSink } from "../src/index.ts";
import { SqliteSink } from "../src/index.ts";
import { inlineSqliteSink } from "./inline-sink.ts";
import { loopDelay } from "./loop-delay.ts";
import { type Configuration, requestCost } from "./request-cost.ts";
import { writerThroughput } from "./writer-throughput.ts";

const quick = process.argv.includes("--quick");
const counts = quick
  ? { requests: 2_000, rounds: 1, delayMs: 1_000, rows: 5_000 }
  : { requests: 20_000, rounds: 5, delayMs: 10_000, rows: 100_000 };
const dir = mkdtempSync(join(tmpdir(), "understudy-log-bench-"));
let files = 0;
const nextPath = () => join(dir, `log-${files++}.db`);

const nullSink: RequestLogSink = { write: async (_batch: RequestLogBatch) => {}, close: async () => {} };
const noLog: Configuration = { name: "no log", sink: undefined };
const workerSink: Configuration = { name: "recordRequests → SqliteSink (worker thread)", sink: () => new SqliteSink(nextPath()) };
const inlineSink: Configuration = {
  name: "recordRequests → SQLite on the event loop (rejected)",
  sink: () => inlineSqliteSink(nextPath()),
};
const configurations: Configuration[] = [
  noLog,
  { name: "recordRequests → a sink that does nothing", sink: () => nullSink },
  workerSink,
  { ...workerSink, name: "recordRequests → SqliteSink, prompts and answers captured", capture: true },
  inlineSink,
];

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function requestCosts(): Promise<void> {
  const rounds = new Map<string, number[]>(configurations.map((c) => [c.name, []]));
  let dropped = 0;
  for (let round = 0; round < counts.rounds; round++) {
    // A rotating order, so that the machine's drift falls on every configuration alike.
    for (let i = 0; i < configurations.length; i++) {
      const configuration = configurations[(i + round) % configurations.length] as Configuration;
      const cost = await requestCost(configuration, counts.requests);
      rounds.get(configuration.name)?.push(cost.busyUs);
      dropped += cost.dropped;
    }
  }
  const floor = median(rounds.get(noLog.name) ?? []);
  console.log(`\n## Event-loop time per request (${counts.requests} sequential requests × ${counts.rounds} rounds, median)\n`);
  console.log("| configuration | µs per request | µs added by the log | spread of rounds |\n| --- | ---: | ---: | ---: |");
  for (const [name, values] of rounds) {
    const perRequest = median(values);
    const added = name === noLog.name ? "—" : (perRequest - floor).toFixed(1);
    const spread = `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
    console.log(`| ${name} | ${perRequest.toFixed(1)} | ${added} | ${spread} |`);
  }
  if (dropped > 0) console.log(`\n(the log dropped ${dropped} requests: the figures flatter it)`);
}

async function loopDelays(): Promise<void> {
  const load = { ratePerSecond: 1_000, durationMs: counts.delayMs, latencyMs: 50 };
  console.log(
    `\n## Event-loop delay (${load.ratePerSecond} requests/s for ${load.durationMs / 1_000} s, each answered in ${load.latencyMs} ms)\n`,
  );
  console.log("| configuration | another writer | p50 ms | p99 ms | max ms |\n| --- | --- | ---: | ---: | ---: |");
  for (const contended of [false, true]) {
    for (const configuration of [noLog, workerSink, inlineSink]) {
      const path = nextPath();
      // The file exists, migrated, before the other writer opens it.
      if (contended) await new SqliteSink(path).close();
      const sink =
        configuration === noLog
          ? undefined
          : () => (configuration === workerSink ? new SqliteSink(path) : inlineSqliteSink(path));
      const delay = await loopDelay({ ...configuration, sink }, { ...load, ...(contended ? { contention: { path } } : {}) });
      const holder = contended ? "holds the lock 50 ms in 150" : "none";
      console.log(
        `| ${configuration.name} | ${holder} | ${delay.p50Ms.toFixed(2)} | ${delay.p99Ms.toFixed(2)} | ${delay.maxMs.toFixed(2)} |`,
      );
    }
  }
}

async function throughput(): Promise<void> {
  console.log(`\n## Writer throughput (${counts.rows} requests, 2 attempts and a tag each, one batch at a time)\n`);
  console.log("| writer | batch | requests/s |\n| --- | ---: | ---: |");
  for (const batchSize of [50, 200, 1_000]) {
    const worker = await writerThroughput(new SqliteSink(nextPath()), counts.rows, batchSize);
    const inline = await writerThroughput(inlineSqliteSink(nextPath()), counts.rows, batchSize);
    console.log(`| SqliteSink (worker) | ${batchSize} | ${Math.round(worker)} |`);
    console.log(`| SQLite on the event loop | ${batchSize} | ${Math.round(inline)} |`);
  }
}

try {
  console.log(
    `# @understudy/request-log: write cost\n\n${cpus()[0]?.model.trim()}, ${cpus().length} cores, Node ${process.version}`,
  );
  await requestCosts();
  await loopDelays();
  await throughput();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
