import {
  type FallbackResult,
  isFallbackExhaustedError,
  isModelError,
  isRequestError,
  isStreamInterruptedError,
  type MidStreamMode,
} from "@understudy/core";
import type { RequestLogEntry } from "@understudy/testing";
import { FaultServer } from "@understudy/testing";
import fc from "fast-check";
import { callerBehaviour } from "../arbitraries/caller.ts";
import { judgeStep } from "../arbitraries/fault-step.ts";
import { judgedRequest } from "../arbitraries/request.ts";
import { checkCall, describeOutcome, messageOf } from "../harness/call-invariants.ts";
import { EventRecorder, type RecordedEvent } from "../harness/event-recorder.ts";
import { activeHandles, type HandleCounts, handlesBeyond, settleHandles } from "../harness/handles.ts";
import { HealthLedger } from "../harness/health-ledger.ts";
import { type HedgeStats, HedgeWatch } from "../harness/hedge-invariants.ts";
import { ownHttpPool } from "../harness/http-pool.ts";
import { type CallObservation, type CallPlan, observeCall } from "../harness/observe-call.ts";
import { PartSources } from "../harness/part-sources.ts";
import { settlesWithin, waitUntil } from "../harness/real-time.ts";
import { RejectionGuard } from "../harness/unhandled-rejections.ts";
import { type Violation, Violations } from "../harness/violation.ts";
import { answeringEntry } from "../harness/wire-models.ts";
import {
  describeSoakHedging,
  SoakScripts,
  soakChain,
  soakChainFacts,
  soakDeadlineMs,
  soakHedging,
  soakModels,
} from "./soak-chain.ts";
import type { SoakOptions } from "./soak-options.ts";

/** What one soak run saw. */
export interface SoakReport {
  readonly options: SoakOptions;
  readonly requests: number;
  readonly wallMs: number;
  /** Outcome → count (`answered by X`, `exhausted: deadline`, `aborted by the caller`, …). */
  readonly outcomes: ReadonlyMap<string, number>;
  /** Ms from each call's start to its outcome. */
  readonly latencies: readonly number[];
  /** The largest lag of the event loop seen, in ms. */
  readonly maxLoopLagMs: number;
  readonly heap: { readonly beforeMB: number; readonly afterMB: number; readonly gc: boolean };
  readonly handles: { readonly before: HandleCounts; readonly after: HandleCounts; readonly extra: readonly string[] };
  /** The seed's hedges and learned timers, and what they did. */
  readonly hedging: { readonly config: string; readonly stats: HedgeStats };
  /** Every broken invariant (each with the request it came from). */
  readonly violations: readonly Violation[];
}

/** Slack on the deadline: a 2-core machine under 16 calls and two SDKs lags. */
const marginMs = 750;

interface RequestPlan {
  readonly plan: CallPlan;
  readonly midStream: MidStreamMode;
  readonly note: string;
  readonly mustRefuse: boolean;
}

/** Draws the plans of requests `from`…`from + count - 1`, the same for the same seed. */
function drawPlans(seed: number, from: number, count: number): RequestPlan[] {
  const arbitrary = fc
    .record({
      method: fc.constantFrom("generate" as const, "stream" as const),
      midStream: fc.constantFrom("error" as const, "restart" as const, "continue" as const),
      hostile: fc.noBias(fc.integer({ min: 0, max: 999 })),
      request: judgedRequest,
    })
    .chain((base) => callerBehaviour(base.method, 600).map((caller) => ({ ...base, caller })));
  return fc.sample(arbitrary, { seed: seed + 7_919 * (from + 1), numRuns: count }).map((drawn, i) => {
    const index = from + i;
    const invalid = drawn.hostile < 30 && drawn.request.verdict.must === "refuse";
    const request = invalid
      ? drawn.request.value
      : { messages: [{ role: "user" as const, content: `soak request ${index}` }], maxTokens: 64 };
    const plan: CallPlan = { method: drawn.method, request, options: { midStream: drawn.midStream }, caller: drawn.caller };
    return { plan, midStream: drawn.midStream, note: invalid ? drawn.request.note : "valid", mustRefuse: invalid };
  });
}

/** The fault server's requests, by the marker in their first message; drained from the server's log as they come. */
class RequestsByMarker {
  private readonly entries = new Map<string, RequestLogEntry[]>();

  /** The requests of the call whose first message is `marker` (the same entries, updated as they end). */
  take(server: FaultServer, marker: string): RequestLogEntry[] {
    for (const entry of server.log.splice(0, server.log.length)) {
      const messages = (entry.body as { messages?: { content?: unknown }[] }).messages;
      const first = messages?.[0]?.content;
      const key = typeof first === "string" ? first : "";
      const list = this.entries.get(key);
      if (list) list.push(entry);
      else this.entries.set(key, [entry]);
    }
    return this.entries.get(marker) ?? [];
  }

  /** Forgets a call's requests. */
  forget(marker: string): void {
    this.entries.delete(marker);
  }
}

function outcomeName(observation: CallObservation): string {
  const { plan } = observation;
  if (plan.caller.kind === "never-iterate") return "never read (no call)";
  const result: FallbackResult | undefined =
    plan.method === "generate"
      ? observation.outcome.state === "resolved"
        ? observation.outcome.value
        : undefined
      : observation.result.state === "resolved"
        ? observation.result.value
        : undefined;
  if (result) return `answered by ${result.model}`;
  const fault = observation.callerFault?.what;
  if (fault === "break" || fault === "cancel" || fault === "return-before-next")
    return "stopped by the caller (break, cancel, return)";
  const error =
    observation.outcome.state === "rejected"
      ? observation.outcome.error
      : observation.result.state === "rejected"
        ? observation.result.error
        : undefined;
  if (error === undefined) return observation.outcome.state === "pending" ? "never settled" : "ended without a result";
  if (isRequestError(error)) return "RequestError (refused before any call)";
  if (isModelError(error) && error.kind === "aborted") return fault ? "aborted by the caller" : "aborted (no caller abort)";
  if (isStreamInterruptedError(error)) return `StreamInterruptedError: ${error.kind}`;
  if (isFallbackExhaustedError(error)) return `FallbackExhaustedError: ${error.reason}`;
  if (isModelError(error)) return `ModelError: ${error.kind}`;
  return `untyped error: ${messageOf(error).slice(0, 60)}`;
}

/** Runs the soak: `options.requests` requests (or until `options.seconds`), `options.concurrency` at a time. */
export async function runSoak(options: SoakOptions, progress: (line: string) => void = () => {}): Promise<SoakReport> {
  const v = new Violations();
  const guard = new RejectionGuard().start();
  const server = await FaultServer.start();
  const pool = await ownHttpPool();
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const handlesBefore = activeHandles();
  const apiKey = `sk-test-${fc.sample(fc.stringMatching(/^[A-Za-z0-9]{24}$/), { seed: options.seed, numRuns: 1 })[0]}`;
  const logLines: unknown[] = [];
  const scripts = new SoakScripts();
  scripts.install(server, options.seed);
  const ledger = new HealthLedger({ keep: false });
  const sources = new PartSources();
  const hedging = soakHedging(options.seed);
  const facts = soakChainFacts(hedging);
  const chat = soakChain(server, apiKey, logLines, ledger, hedging, sources);
  const watch = new HedgeWatch(chat, facts);
  const recorder = new EventRecorder(chat, "none", { keep: false });
  const byMarker = new RequestsByMarker();
  const outcomes = new Map<string, number>();
  const latencies: number[] = [];
  let maxLoopLagMs = 0;
  let lagTimer: ReturnType<typeof setInterval> | undefined;
  let lastTick = performance.now();
  lagTimer = setInterval(() => {
    const now = performance.now();
    maxLoopLagMs = Math.max(maxLoopLagMs, now - lastTick - 50);
    lastTick = now;
  }, 50);

  const started = performance.now();
  const stopAt = started + options.seconds * 1_000;
  let next = 0;
  let plans: RequestPlan[] = [];
  let plansFrom = 0;
  const planOf = (index: number): RequestPlan => {
    if (index >= plansFrom + plans.length) {
      plansFrom = index;
      plans = drawPlans(options.seed, index, 500);
    }
    return plans[index - plansFrom] as RequestPlan;
  };

  const runOne = async (index: number): Promise<void> => {
    const { plan, midStream, note, mustRefuse } = planOf(index);
    const marker = `soak request ${index}`;
    const { observation, finished } = observeCall(chat, plan);
    const limit = soakDeadlineMs + marginMs;
    await settlesWithin(finished, limit + 5_000);
    if (plan.method === "stream" && !observation.thrownAtOnce && plan.caller.kind !== "never-iterate")
      await waitUntil(() => observation.result.state !== "pending", 500);
    const mine = () => byMarker.take(server, marker);
    // Every HTTP exchange of a settled call is over: answered, or hung up by the client.
    await waitUntil(() => mine().every((entry) => entry.endTime !== undefined), 1_000);
    const entries = mine();
    byMarker.forget(marker);
    const events: RecordedEvent[] = recorder.take(observation.tag);
    const checked = checkCall(observation, {
      boundMs: soakDeadlineMs,
      deadlineMs: soakDeadlineMs,
      marginMs,
      promptMs: marginMs,
      midStream,
      answerOf: (result) => {
        const last = answeringEntry(entries.filter((entry) => entry.model === result.modelId));
        const step = last && scripts.stepOf(last.model, last.attempt);
        if (!step) return undefined;
        const provider = soakModels.find((m) => m.modelId === last.model)?.provider;
        return judgeStep(step, plan.method, provider).completes === false
          ? { complete: false }
          : { complete: true, text: step.text };
      },
      providerCalls: entries.length,
      events,
      healthChanges: ledger.take(observation.tag),
      secret: { key: apiKey, surfaces: logLines.splice(0, logLines.length) },
      refusal: mustRefuse ? { must: true } : "never",
      hedging: { facts, watch },
      sources,
    });
    for (const entry of entries) {
      if (entry.endTime === undefined)
        checked.add(
          "released",
          `${entry.model} #${entry.attempt} (${entry.fault}): the HTTP request was still open 1 s after the call settled`,
        );
    }
    if (process.env.CHAOS_DEBUG && checked.failing.length > 0) debugRequest(index, entries, events, scripts, observation);
    for (const violation of checked.all)
      v.add(
        violation.invariant,
        `request ${index} (${plan.method}/${plan.caller.kind}, ${note}, ${describeOutcome(observation).slice(0, 140)}): ${violation.detail}`,
        violation.known,
      );
    const name = outcomeName(observation);
    outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
    const end = observation.outcome.state === "pending" ? undefined : observation.outcome.at;
    if (end !== undefined && plan.caller.kind !== "never-iterate") latencies.push(end - observation.startedAt);
  };

  const worker = async (): Promise<void> => {
    while (next < options.requests && performance.now() < stopAt) {
      const index = next++;
      await runOne(index);
      if (index > 0 && index % 500 === 0)
        progress(`  ${index} requests, ${((performance.now() - started) / 1_000).toFixed(1)} s`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  progress(`  all ${next} requests settled`);
  const wallMs = performance.now() - started;
  clearInterval(lagTimer);
  lagTimer = undefined;

  // Nothing left once every call is over.
  for (const status of chat.health()) {
    if (status.breaker === "half_open")
      v.add("released", `${status.id}: still half-open (a probe lease held) after every request ended`, "probe-lease-leak");
    if (status.inFlight > 0 || status.queued > 0)
      v.add("released", `${status.id}: bulkhead holds ${status.inFlight} in flight, ${status.queued} queued`);
  }
  for (const event of recorder.orphans) v.add("settles-once", `an event no request caused: ${event.name}`);
  watch.check(v);
  chat.close();
  progress("  closing the connection pool");
  await pool.close();
  progress("  closing the fault server");
  await server.close();
  progress("  settling");
  await settleHandles(handlesBefore, 1_000);
  gc?.();
  await new Promise((resolve) => setImmediate(resolve));
  gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  const handlesAfter = activeHandles();
  const extra = handlesBeyond(handlesBefore, handlesAfter);
  if (extra.length > 0) v.add("no-leaked-handle", `open after the soak: ${extra.join(", ")}`);
  for (const reason of guard.stop()) v.add("no-unhandled-rejection", messageOf(reason));
  return {
    options,
    requests: next,
    wallMs,
    outcomes,
    latencies,
    maxLoopLagMs,
    heap: { beforeMB: heapBefore / 2 ** 20, afterMB: heapAfter / 2 ** 20, gc: gc !== undefined },
    handles: { before: handlesBefore, after: handlesAfter, extra },
    hedging: { config: describeSoakHedging(hedging), stats: watch.stats },
    violations: v.all,
  };
}

/** With `CHAOS_DEBUG` set: a request that broke an invariant, as the server and the events saw it. */
function debugRequest(
  index: number,
  entries: readonly RequestLogEntry[],
  events: readonly RecordedEvent[],
  scripts: SoakScripts,
  observation: CallObservation,
): void {
  const t0 = Math.min(observation.startedAt, ...entries.map((e) => e.time));
  const lines = entries.map((e) => {
    const step = scripts.stepOf(e.model, e.attempt);
    return `  server ${e.time - t0} ms ${e.model} #${e.attempt} ${e.fault} text ${JSON.stringify(step?.text)} ended ${e.endTime === undefined ? "never" : `${e.endTime - t0} ms`}${e.clientHungUp ? " (client hung up)" : ""}`;
  });
  for (const e of events) {
    const payload = e.payload as Record<string, unknown>;
    const record = payload.record as Record<string, unknown> | undefined;
    lines.push(
      `  event ${e.time - t0} ms ${e.name} ${
        record
          ? `${record.model} #${record.attempt} ${record.outcome} ${record.kind ?? record.skipReason ?? ""} start ${Number(record.startedAt) - t0} dur ${record.durationMs}${record.hedge ? " hedge" : ""}${record.lostHedgeTo ? ` lost to ${record.lostHedgeTo}` : ""}${record.firstContentMs === undefined ? "" : ` first ${record.firstContentMs}`}`
          : JSON.stringify({
              ...payload,
              requestId: undefined,
              result: undefined,
              error: undefined,
              attempts: undefined,
              request: undefined,
            })
      }`,
    );
  }
  const parts = observation.parts.map((p) => (p.type === "text-delta" ? JSON.stringify(p.text) : p.type)).join(" ");
  console.error(
    `request ${index} (${observation.plan.method}/${observation.plan.caller.kind}): parts ${parts}\n${lines.join("\n")}`,
  );
}
