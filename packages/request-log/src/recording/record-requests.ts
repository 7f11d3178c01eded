import { ConfigError, type Fallback, type FallbackEvents, type FallbackResult } from "@understudy/core";
import type { RequestLogSink } from "../records/request-log-sink.ts";
import { toLoggedRequest } from "./build-records.ts";
import { type CaptureOptions, chooseCapture } from "./capture.ts";
import { failureFacts } from "./failure-facts.ts";
import { type EndedRequest, RequestsInFlight } from "./request-history.ts";
import { type ShadowSeen, toShadowRecord, withoutShadowAnswer } from "./shadow-rows.ts";
import { type DropNotice, type RequestLogStats, WriteQueue } from "./write-queue.ts";

/** Options of {@link recordRequests}. */
export interface RecordRequestsOptions {
  /** The name every record carries, to tell several chains apart in one log. Default `default`. */
  readonly chain?: string;
  /** Whether prompts and answers are kept (off by default), sampled and redacted. */
  readonly capture?: CaptureOptions;
  /** Most requests waiting to be written, besides the batch being written; past it, new ones are dropped and counted. Default 10 000. */
  readonly bufferSize?: number;
  /** Most requests per write. A full batch is written at once. Default 200. */
  readonly batchSize?: number;
  /** Longest a smaller batch waits before it is written, in ms. Default 1 000. */
  readonly flushIntervalMs?: number;
  /** Longest the sink may take over one write before its batch counts as failed, in ms. Default 30 000. */
  readonly writeTimeoutMs?: number;
  /** Told of every loss (buffer full, a failed write, requests in flight at the stop). Must not throw; if it does, nothing breaks. */
  readonly onDrop?: (notice: DropNotice) => void;
  /** Whether stopping the recording (or closing the chain) closes the sink. Default true; false when several chains share one sink. */
  readonly closeSink?: boolean;
}

/**
 * A running recording. Call it to stop: it stops listening, writes what is
 * buffered, closes the sink (unless `closeSink: false`) and resolves; it
 * rejects only if the sink's `close` does. `chain.close()` does the same.
 */
export interface RequestRecording {
  /** Stops recording, writes what is buffered and closes the sink. The same promise on every call. */
  (): Promise<void>;
  /** The counts so far: written, failed, dropped, pending. */
  stats(): RequestLogStats;
  /** Writes what is buffered now, and resolves when it is done (recording goes on). */
  flush(): Promise<void>;
}

/** What the recording needs of a chain: its events and its close hook. */
export type RecordedChain = Pick<Fallback, "on" | "off" | "onClose">;

/** More requests in flight than this are not followed: a guard, not a limit anyone should meet. */
const maxInFlight = 100_000;

/**
 * Writes one record per request of `chain` (and one per attempt) to `sink`,
 * and, for a chain with `shadow` sampling, one per shadow call, apart.
 * Listening costs a few map operations per request; records are built and
 * written in batches off the request path, through a bounded buffer that
 * drops and counts rather than wait. Nothing here can fail or slow a request.
 * Registers with `chain.onClose`, so `await chain.close()` writes what is left.
 *
 * @example
 * ```ts
 * const stop = recordRequests(chat, new SqliteSink("llm-requests.db"), { chain: "support-bot" });
 * await chat.generate(request, { tags: { feature: "search" } });
 * await chat.close(); // or: await stop()
 * ```
 */
export function recordRequests(
  chain: RecordedChain,
  sink: RequestLogSink,
  options: RecordRequestsOptions = {},
): RequestRecording {
  validateRecordOptions(options);
  const name = options.chain ?? "default";
  const inFlight = new RequestsInFlight(maxInFlight);
  const toRows = (item: Buffered) =>
    "start" in item ? toLoggedRequest(item, name, options.capture) : toShadowRecord(item, options.capture);
  const queue = new WriteQueue<Buffered>(sink, toRows, {
    chain: name,
    bufferSize: options.bufferSize ?? 10_000,
    batchSize: options.batchSize ?? 200,
    flushIntervalMs: options.flushIntervalMs ?? 1_000,
    writeTimeoutMs: options.writeTimeoutMs ?? 30_000,
    onDrop: options.onDrop,
  });
  const listeners = listenersFor(inFlight, queue, options.capture, name);
  listen(chain, listeners);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopListening(chain, listeners);
      unregister();
      queue.drop(inFlight.abandon(), "stopped");
      await queue.close();
      if (options.closeSink !== false) await sink.close();
    })();
    return stopping;
  };
  const unregister = chain.onClose(stop);
  return Object.assign(stop, { stats: () => queue.stats(), flush: () => queue.flush() });
}

/** What the buffer holds: an ended request, or a shadow call. */
type Buffered = EndedRequest | ShadowSeen;

/** The listeners a recording adds: each is a map operation or a push. */
interface Listeners {
  readonly shadow: FallbackEvents["shadow"];
  readonly requestStart: FallbackEvents["requestStart"];
  readonly reset: FallbackEvents["reset"];
  readonly hedgeStart: FallbackEvents["hedgeStart"];
  readonly hedgeEnd: FallbackEvents["hedgeEnd"];
  readonly success: FallbackEvents["success"];
  readonly failure: FallbackEvents["failure"];
}

function listenersFor(
  inFlight: RequestsInFlight,
  queue: WriteQueue<Buffered>,
  capture: CaptureOptions | undefined,
  chain: string,
): Listeners {
  return {
    // Shadow calls are written apart, in their own table; their answer is kept as the requests' answers are.
    shadow: (event) => queue.push({ event: chooseCapture(capture).answer ? event : withoutShadowAnswer(event), chain }),
    requestStart: (event) => {
      if (!inFlight.begin(event, chooseCapture(capture))) queue.drop(1, "buffer_full");
    },
    reset: (event) => inFlight.noteReset(event.requestId),
    hedgeStart: (event) => inFlight.noteHedgeStart(event.requestId),
    hedgeEnd: (event) => inFlight.noteHedgeEnd(event),
    success: ({ requestId, result }) => {
      const start = inFlight.end(requestId);
      if (start) queue.push({ start, result: start.captureAnswer ? result : withoutContent(result) });
    },
    failure: ({ requestId, error, attempts }) => {
      const start = inFlight.end(requestId);
      if (start) queue.push({ start, failure: failureFacts(error), attempts, endedAt: Date.now() });
    },
  };
}

/** The result without the answer's content, which the buffer must not hold when it is not captured. */
function withoutContent(result: FallbackResult): FallbackResult {
  return { ...result, text: "", toolCalls: [], providerMetadata: undefined };
}

function listen(chain: RecordedChain, listeners: Listeners): void {
  chain.on("shadow", listeners.shadow);
  chain.on("requestStart", listeners.requestStart);
  chain.on("reset", listeners.reset);
  chain.on("hedgeStart", listeners.hedgeStart);
  chain.on("hedgeEnd", listeners.hedgeEnd);
  chain.on("success", listeners.success);
  chain.on("failure", listeners.failure);
}

function stopListening(chain: RecordedChain, listeners: Listeners): void {
  chain.off("shadow", listeners.shadow);
  chain.off("requestStart", listeners.requestStart);
  chain.off("reset", listeners.reset);
  chain.off("hedgeStart", listeners.hedgeStart);
  chain.off("hedgeEnd", listeners.hedgeEnd);
  chain.off("success", listeners.success);
  chain.off("failure", listeners.failure);
}

function validateRecordOptions(options: RecordRequestsOptions): void {
  for (const key of ["bufferSize", "batchSize", "flushIntervalMs", "writeTimeoutMs"] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new ConfigError(
        `options.${key}`,
        `must be a positive whole number, got ${String(value)}`,
        "leave it out for the default",
      );
    }
  }
  const rate = options.capture?.sampleRate;
  if (rate !== undefined && !(typeof rate === "number" && rate >= 0 && rate <= 1)) {
    throw new ConfigError(
      "options.capture.sampleRate",
      `must be from 0 to 1, got ${String(rate)}`,
      "use e.g. 0.1 to keep one request in ten",
    );
  }
  const maxChars = options.capture?.maxChars;
  if (maxChars !== undefined && !(Number.isInteger(maxChars) && maxChars > 0)) {
    throw new ConfigError(
      "options.capture.maxChars",
      `must be a positive whole number, got ${String(maxChars)}`,
      "leave it out for 32 768",
    );
  }
}
