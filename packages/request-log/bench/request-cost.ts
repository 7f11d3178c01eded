import { performance } from "node:perf_hooks";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { type RequestLogSink, recordRequests } from "../src/index.ts";
import { benchRequest, instantChain } from "./instant-chain.ts";

/** How a configuration records, or `undefined` for none. */
export type SinkFactory = (() => RequestLogSink) | undefined;

/** A configuration measured: its name, its sink, and what it captures. */
export interface Configuration {
  readonly name: string;
  readonly sink: SinkFactory;
  readonly capture?: boolean;
}

/** What `count` requests cost the thread that serves them. */
export interface RequestCost {
  /** Event-loop busy time per request, µs: the engine's work, the log's listeners, and its batches built and sent. */
  readonly busyUs: number;
  /** Requests the log dropped (none expected: the figures would flatter it). */
  readonly dropped: number;
}

/**
 * Runs `count` sequential requests over an instant model, each followed by a
 * turn of the event loop (where a real request waits on its socket, and where
 * the log builds and sends its batches), then closes the chain (the last
 * batches). The measure is the event loop's busy time (`eventLoopUtilization`)
 * over all of it, per request: what the log takes from the thread that serves
 * requests, whatever another thread does meanwhile.
 */
export async function requestCost(configuration: Configuration, count: number): Promise<RequestCost> {
  const chain = instantChain();
  const sink = configuration.sink?.();
  // A buffer for every request: a burst this fast outruns any writer, and a dropped request would cost nothing.
  const options = { bufferSize: count + 1_000, ...(configuration.capture ? { capture: { prompts: true, answers: true } } : {}) };
  const recording = sink && recordRequests(chain, sink, options);
  for (let i = 0; i < 200; i++) await chain.generate(benchRequest); // warm-up
  await recording?.flush();
  const before = performance.eventLoopUtilization();
  for (let i = 0; i < count; i++) {
    await chain.generate(benchRequest);
    await yieldToLoop();
  }
  await chain.close();
  const { active } = performance.eventLoopUtilization(before);
  return { busyUs: (active * 1_000) / count, dropped: recording?.stats().dropped ?? 0 };
}
