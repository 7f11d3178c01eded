// Chains of real adapters (@understudy/openai, @understudy/anthropic and
// @understudy/google over the official SDKs) pointed at one FaultServer that answers each attempt
// with a random fault — statuses with sane and hostile retry headers, resets,
// silences, cut, stalled, malformed and reset streams, error events
// mid-stream, 200s whose body is no answer, hostile usage, the API key echoed
// whole or in part — while the caller reads, aborts, breaks or cancels.
// Besides every per-call invariant: each attempt is classified as its fault
// says, a success is the full text the server sent, and no piece of the key
// (8 characters or more) reaches any surface.
import {
  type AttemptRecord,
  countsAgainstHealth,
  createFallback,
  type FallbackResult,
  type HedgeStartEvent,
  type ModelAdapter,
  type ModelErrorKind,
} from "@understudy/core";
import { FaultServer, type FaultStep } from "@understudy/testing";
import { findSecret } from "@understudy/testing/vitest";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { callerBehaviour } from "./arbitraries/caller.ts";
import {
  type ChainPolicy,
  chainPolicy,
  type ModelPolicy,
  modelPolicy,
  type TimeScale,
  worstCaseMs,
} from "./arbitraries/chain-settings.ts";
import { judgeStep, wireStep } from "./arbitraries/fault-step.ts";
import { answerText } from "./arbitraries/scripted-step.ts";
import { buildValidChain, checkCall, messageOf } from "./harness/call-invariants.ts";
import { EventRecorder, type RecordedEvent } from "./harness/event-recorder.ts";
import { activeHandles } from "./harness/handles.ts";
import { HealthLedger } from "./harness/health-ledger.ts";
import { addHedgeStats, chainFacts, emptyHedgeStats, HedgeWatch, reportHedgeStats } from "./harness/hedge-invariants.ts";
import { ownHttpPool, prepareHttpPools } from "./harness/http-pool.ts";
import { type CallPlan, observeCall } from "./harness/observe-call.ts";
import { PartSources } from "./harness/part-sources.ts";
import { type PropertyBudget, propertyParameters, propertyTestTimeout } from "./harness/property-settings.ts";
import { resetAndSettle, settlesWithin, waitUntil } from "./harness/real-time.ts";
import { RejectionGuard } from "./harness/unhandled-rejections.ts";
import { Violations } from "./harness/violation.ts";
import {
  answeringEntry,
  apiKeyArbitrary,
  type WireProvider,
  wireModel,
  wireModelId,
  wireProviders,
} from "./harness/wire-models.ts";

const budget: PropertyBudget = { runs: 150, ciRuns: 80, timeLimitMs: 18_000, runTimeoutMs: 15_000 };
/** How much hedging the runs saw (printed with `CHAOS_STATS=1`). */
const totals = emptyHedgeStats();
let runs = 0;

/** Real time: short timers, so that a silent provider costs a few hundred ms. */
const realTimeScale: TimeScale = {
  timer: [150, 450],
  maxDelay: 200,
  deadline: [250, 2_000],
  timersMayBeOff: false,
  // Hedge delays from below a healthy local answer's latency (a few ms) to well past it: races of two real HTTP calls.
  hedgeAfter: [2, 150],
  learnedFloor: [20, 150],
};

type Step = FaultStep & { readonly text: string };

interface WireModelPlan {
  readonly provider: WireProvider;
  readonly policy: ModelPolicy;
  readonly steps: readonly Step[];
  readonly otherwise: Step;
}

interface WireRun {
  readonly chain: ChainPolicy;
  readonly models: readonly WireModelPlan[];
  readonly method: "generate" | "stream";
  readonly caller: CallPlan["caller"];
  readonly apiKey: string;
}

const wireRun: fc.Arbitrary<WireRun> = fc
  .tuple(
    fc.option(fc.integer({ min: realTimeScale.deadline[0], max: realTimeScale.deadline[1] }), { nil: undefined, freq: 3 }),
    fc.constantFrom("generate" as const, "stream" as const),
  )
  .chain(([deadlineMs, method]) =>
    fc.record({
      chain: chainPolicy(deadlineMs),
      models: fc.array(
        fc.record({
          provider: fc.constantFrom<WireProvider>(...wireProviders),
          policy: modelPolicy(realTimeScale, false),
          steps: fc.array(wireStep, { maxLength: 3 }),
          otherwise: answerText.map((text) => ({ text })),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      method: fc.constant(method),
      caller: callerBehaviour(method, 600),
      apiKey: apiKeyArbitrary,
    }),
  );

let server: FaultServer;
beforeAll(async () => {
  await prepareHttpPools();
  server = await FaultServer.start();
});
afterAll(() => server.close());

const modelIdOf = (plan: WireModelPlan, index: number) => wireModelId(plan.provider, `w${index}`);

it(
  "real adapters over a fault server: every call settles once, in time, complete or typed, classified as its fault, with no key on any surface",
  async () => {
    const property = fc.asyncProperty(wireRun, async (run) => {
      const v = new Violations();
      const guard = new RejectionGuard().start();
      const baseline = activeHandles();
      const logLines: unknown[] = [];
      const pool = await ownHttpPool();
      runs++;
      try {
        await runOnce(run, v, logLines);
      } finally {
        await pool.close();
        const left = await resetAndSettle(server, baseline);
        if (left.length > 0) v.add("no-leaked-handle", `left open after the call and a server reset: ${left.join(", ")}`);
        for (const reason of guard.stop()) v.add("no-unhandled-rejection", messageOf(reason));
      }
      v.throwIfAny();
    });
    await fc.assert(property, propertyParameters(budget));
    reportHedgeStats("wire", runs, totals);
    expect(true).toBe(true);
  },
  propertyTestTimeout(budget),
);

async function runOnce(run: WireRun, v: Violations, logLines: unknown[]): Promise<void> {
  run.models.forEach((m, i) => {
    server.script(modelIdOf(m, i), m.steps, m.otherwise);
  });
  const ledger = new HealthLedger();
  const sources = new PartSources();
  const adapters = run.models.map((m, i) => wireModel(m.provider, modelIdOf(m, i), server, run.apiKey, logLines));
  // The chain's default ids: `provider:modelId`.
  const ids = adapters.map((adapter) => `${adapter.provider}:${adapter.modelId}`);
  const chat = buildValidChain(v, () =>
    createFallback({
      models: run.models.map((m, i) => ({
        model: sources.wrap(adapters[i] as ModelAdapter, ids[i] as string),
        ...m.policy,
      })),
      ...(run.chain.deadlineMs === undefined ? {} : { deadlineMs: run.chain.deadlineMs }),
      midStream: run.chain.midStream,
      whenAllUnavailable: run.chain.whenAllUnavailable,
      healthStore: ledger,
      ...(run.chain.hedging ? { hedging: run.chain.hedging } : {}),
    }),
  );
  if (!chat) return;
  const facts = chainFacts(
    run.models.map((m, i) => ({ id: ids[i] as string, ...m.policy })),
    run.chain.hedging,
  );
  const watch = new HedgeWatch(chat, facts);
  const recorder = new EventRecorder(chat);
  const worst = run.models.reduce((sum, m) => sum + 2 * worstCaseMs(m.policy, run.method, 8), 0);
  const bound = run.chain.deadlineMs ?? worst;
  const plan: CallPlan = {
    method: run.method,
    request: { messages: [{ role: "user", content: "say something" }], maxTokens: 64 },
    caller: run.caller,
  };
  const { observation, finished } = observeCall(chat, plan);
  await settlesWithin(finished, bound + 2_000);
  if (run.method === "stream" && !observation.thrownAtOnce && run.caller.kind !== "never-iterate")
    await waitUntil(() => observation.result.state !== "pending", 300);
  const stepOf = (model: number, attempt: number): Step | undefined => {
    const m = run.models[model];
    return m ? (m.steps[attempt - 1] ?? m.otherwise) : undefined;
  };
  const events = recorder.of(observation.tag);
  const checked = checkCall(observation, {
    boundMs: bound,
    ...(run.chain.deadlineMs === undefined ? {} : { deadlineMs: run.chain.deadlineMs }),
    marginMs: 400,
    promptMs: 400,
    midStream: run.chain.midStream,
    answerOf: (result: FallbackResult) => {
      const index = run.models.findIndex((m, i) => result.modelId === modelIdOf(m, i));
      const last = answeringEntry(server.requestsFor(result.modelId));
      const step = last && stepOf(index, last.attempt);
      if (!step) return { complete: false };
      const judgement = judgeStep(step, run.method, run.models[index]?.provider);
      return judgement.completes === false ? { complete: false } : { complete: true, text: step.text };
    },
    providerCalls: server.log.length,
    events,
    healthChanges: ledger.of(observation.tag),
    secret: { key: run.apiKey, surfaces: logLines },
    refusal: "never",
    hedging: { facts, watch },
    sources,
  });
  v.addAll(checked.all);
  watch.check(v);
  addHedgeStats(totals, watch.stats);
  checkClassification(run, events, v, observation.callerFault !== undefined);
  const surfaces = [
    observation.outcome.state === "rejected"
      ? observation.outcome.error
      : observation.outcome.state === "resolved"
        ? observation.outcome.value
        : undefined,
    observation.result.state === "rejected"
      ? observation.result.error
      : observation.result.state === "resolved"
        ? observation.result.value
        : undefined,
    observation.parts,
    ...events.map((e) => e.payload),
    ...logLines,
  ];
  if (findSecret(run.apiKey, surfaces, { minFragment: 8 }).length > 0 && !checked.all.some((c) => c.invariant === "no-secret"))
    v.add("no-secret", "findSecret found a piece of the key that the chaos scan did not");
  // Every HTTP exchange of a settled call is over: answered, or hung up by the client.
  await waitUntil(() => server.log.every((entry) => entry.endTime !== undefined), 1_000);
  for (const entry of server.log) {
    if (entry.endTime === undefined)
      v.add(
        "released",
        `${entry.model} #${entry.attempt} (${entry.fault}): the HTTP request is still open 1 s after the call settled`,
      );
  }
  // Health: a single call on a fresh chain; its failures that count are all there is.
  for (const [i, status] of chat.health().entries()) {
    const id = status.id;
    const counted = events.filter((e) => {
      const record = (e.payload as { record?: AttemptRecord }).record;
      return (
        e.name === "attempt" &&
        record?.model === id &&
        record.outcome === "failure" &&
        record.kind !== undefined &&
        countsAgainstHealth(record.kind)
      );
    }).length;
    if (status.recentFailures !== counted)
      v.add("caller-fault-neutral", `${id}: ${status.recentFailures} recent failures, ${counted} counted attempts`);
    if (status.breaker === "half_open")
      v.add("released", `${id} (m${i}): still half-open after the call ended`, "probe-lease-leak");
    if (status.inFlight > 0 || status.queued > 0) v.add("released", `${id}: bulkhead holds ${status.inFlight} in flight`);
  }
}

/** Each attempt the server saw is classified as its fault says (or as a timer, or the caller's abort, when those may have cut it). */
function checkClassification(run: WireRun, events: readonly RecordedEvent[], v: Violations, callerFault: boolean): void {
  const records = events.filter((e) => e.name === "attempt").map((e) => (e.payload as { record: AttemptRecord }).record);
  const hedgedFrom = new Set(events.filter((e) => e.name === "hedgeStart").map((e) => (e.payload as HedgeStartEvent).from));
  run.models.forEach((m, i) => {
    const modelId = modelIdOf(m, i);
    const entries = server.requestsFor(modelId);
    const calls = records.filter((r) => r.modelId === modelId && r.outcome !== "skipped");
    if (entries.length > calls.length)
      v.add("classified", `${modelId}: the server saw ${entries.length} requests, the engine recorded ${calls.length} attempts`);
    if (entries.length !== calls.length) return;
    entries.forEach((entry, n) => {
      const record = calls[n] as AttemptRecord;
      const step = m.steps[entry.attempt - 1] ?? m.otherwise;
      const judgement = judgeStep(step, run.method, m.provider);
      if (record.outcome === "success") {
        if (judgement.completes === false)
          v.add("complete-or-typed", `${modelId} #${entry.attempt}: success from a step that cannot complete (${entry.fault})`);
        return;
      }
      const kind = record.kind as ModelErrorKind;
      // A call of a hedge's race may be aborted by it (it lost, or the race was called off); a learned timer may be short.
      const raced = record.hedge === true || record.lostHedgeTo !== undefined || hedgedFrom.has(record.model);
      const fits =
        judgement.kinds.has(kind) ||
        (kind === "timeout" && (judgement.slow || run.chain.deadlineMs !== undefined)) ||
        (kind === "timeout" && /learned first-token timer/.test(record.message ?? "")) ||
        (kind === "aborted" && (callerFault || (raced && record.outcome === "cancelled"))) ||
        (kind === "unsupported" && record.message?.includes("policy") === true);
      const known = kind === "connection" && step.rawBody ? "bad-200-body" : undefined;
      // A provider silent for half its timer (or 5 s), then gone, was a silent route: `timeout`, not a retried `connection`.
      const silence = run.method === "generate" ? m.policy.timeout.attemptMs : m.policy.timeout.firstTokenMs;
      const silentRoute =
        step.resetConnection && typeof silence === "number" && (step.delayMs ?? 0) >= Math.min(5_000, silence / 2) + 40;
      if (fits && silentRoute && kind === "connection")
        v.add(
          "classified",
          `${modelId} #${entry.attempt}: silent ${step.delayMs} ms (timer ${silence} ms), then the connection dropped: recorded as connection, not timeout`,
          "silent-then-close",
        );
      if (!fits)
        v.add(
          "classified",
          `${modelId} #${entry.attempt} (${m.provider}, ${run.method}): the server did "${entry.fault}" (${JSON.stringify(step).slice(0, 200)}), the engine recorded ${record.outcome} ${kind}: ${record.message?.slice(0, 200)}`,
          known,
        );
    });
  });
}
