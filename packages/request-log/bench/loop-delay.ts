import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { recordRequests } from "../src/index.ts";
import { benchRequest, instantChain } from "./instant-chain.ts";
import type { Configuration } from "./request-cost.ts";

/** The event loop's delay while the log writes: percentiles and the worst, in ms. */
export interface LoopDelay {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly requests: number;
}

/** The load: requests started at `ratePerSecond` for `durationMs`, each answered after `latencyMs`. */
export interface Load {
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly latencyMs: number;
  /** Another writer of the same file, holding its write lock 50 ms out of every 150. */
  readonly contention?: { readonly path: string };
}

/**
 * Starts requests at a steady rate (an open loop: arrivals do not wait for
 * answers, as users do not), over a model that answers after `latencyMs`,
 * and samples the event loop's delay meanwhile at 1 ms resolution. The
 * delay is what every request in flight suffers while a batch is written on
 * the loop, or while a write waits for another process's lock.
 */
export async function loopDelay(configuration: Configuration, load: Load): Promise<LoopDelay> {
  const chain = instantChain(load.latencyMs);
  const sink = configuration.sink?.();
  if (sink) recordRequests(chain, sink);
  const holder = load.contention && lockHolder(load.contention.path);
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const inFlight = new Set<Promise<unknown>>();
  const started = performance.now();
  let requests = 0;
  await new Promise<void>((resolve) => {
    const pace = setInterval(() => {
      const elapsed = performance.now() - started;
      const due = Math.min(elapsed, load.durationMs) * (load.ratePerSecond / 1_000);
      for (; requests < due; requests++) {
        const call = chain.generate(benchRequest).finally(() => inFlight.delete(call));
        inFlight.add(call);
      }
      if (elapsed >= load.durationMs) {
        clearInterval(pace);
        resolve();
      }
    }, 1);
  });
  await Promise.all(inFlight);
  histogram.disable();
  await chain.close();
  await holder?.stop();
  const ms = (ns: number) => ns / 1e6;
  return { p50Ms: ms(histogram.percentile(50)), p99Ms: ms(histogram.percentile(99)), maxMs: ms(histogram.max), requests };
}

function lockHolder(path: string): { stop(): Promise<void> } {
  const file = new URL(import.meta.url.endsWith(".ts") ? "./lock-holder.ts" : "./lock-holder.js", import.meta.url);
  const worker = new Worker(file, { workerData: { path, holdMs: 50, pauseMs: 100 } });
  return {
    async stop() {
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.postMessage("stop");
      await exited;
    },
  };
}
