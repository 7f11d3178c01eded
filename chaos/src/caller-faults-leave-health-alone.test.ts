// Healthy (but slow, chunked) scripted models, sensitive breakers (one failure
// opens them), small bulkheads, a shared store that grants probes a tick
// late; 1–4 overlapping calls whose callers abort at a random point, break
// after k parts, cancel a ReadableStream before or after its first chunk,
// close the iterator unread, or never read. No provider ever fails, so every
// model's health must end exactly as it began, and every stopped stream's
// result must reject as `aborted`.
import { type AttemptRecord, createFallback, type HedgeOptions, isModelError } from "@understudy/core";
import { type ScriptedModel, scriptedModel } from "@understudy/testing";
import fc from "fast-check";
import { expect, it, vi } from "vitest";
import { callerBehaviour } from "./arbitraries/caller.ts";
import { hedgingOption } from "./arbitraries/chain-settings.ts";
import { answerText } from "./arbitraries/scripted-step.ts";
import { checkCall, messageOf } from "./harness/call-invariants.ts";
import { EventRecorder } from "./harness/event-recorder.ts";
import { driveUntil, flushPromises, useChaosFakeTimers } from "./harness/fake-clock.ts";
import { HealthLedger } from "./harness/health-ledger.ts";
import { addHedgeStats, chainFacts, emptyHedgeStats, HedgeWatch, reportHedgeStats } from "./harness/hedge-invariants.ts";
import { awaitsResult, type CallObservation, type CallPlan, observeCall } from "./harness/observe-call.ts";
import { PartSources } from "./harness/part-sources.ts";
import { type PropertyBudget, propertyParameters, propertyTestTimeout } from "./harness/property-settings.ts";
import { RejectionGuard } from "./harness/unhandled-rejections.ts";
import { Violations } from "./harness/violation.ts";

const budget: PropertyBudget = { runs: 400, ciRuns: 250, timeLimitMs: 8_000 };
/** How much hedging the runs saw (printed with `CHAOS_STATS=1`). */
const totals = emptyHedgeStats();
let runs = 0;

const healthyModel = fc.record({
  text: answerText,
  delayMs: fc.integer({ min: 0, max: 400 }),
  chunkDelayMs: fc.integer({ min: 0, max: 200 }),
  chunks: fc.integer({ min: 1, max: 4 }),
  bulkhead: fc.option(fc.record({ maxConcurrent: fc.integer({ min: 1, max: 2 }), maxQueued: fc.integer({ min: 0, max: 2 }) }), {
    nil: undefined,
  }),
  // A healthy model may hedge (a slow one, often: its hedge wins and it is aborted) and learn its first-token timer
  // (a multiplier of 1.5 or more: a model as fast as ever is never cut by its own estimate).
  hedge: fc.option(
    fc.oneof(
      fc.integer({ min: 5, max: 300 }).map((afterMs): HedgeOptions => ({ afterMs })),
      fc
        .record({ minMs: fc.integer({ min: 5, max: 100 }), extraMs: fc.nat(300), minSamples: fc.integer({ min: 1, max: 3 }) })
        .map(
          ({ minMs, extraMs, minSamples }): HedgeOptions => ({ afterMs: "learned", minMs, maxMs: minMs + extraMs, minSamples }),
        ),
    ),
    { nil: undefined, freq: 2 },
  ),
  learnFirstToken: fc.option(
    fc.record({
      multiplier: fc.double({ min: 1.5, max: 4, noNaN: true }),
      minMs: fc.integer({ min: 5, max: 200 }),
      minSamples: fc.integer({ min: 1, max: 3 }),
    }),
    { nil: undefined, freq: 2 },
  ),
});

const call = fc.constantFrom("generate" as const, "stream" as const).chain((method) =>
  fc.record({
    method: fc.constant(method),
    caller: callerBehaviour(method, 1_500),
    startAtMs: fc.integer({ min: 0, max: 1_000 }),
  }),
);

const runPlan = fc.record({
  models: fc.array(healthyModel, { minLength: 1, maxLength: 3 }),
  calls: fc.array(call, { minLength: 1, maxLength: 4 }),
  midStream: fc.constantFrom("error" as const, "restart" as const, "continue" as const),
  asyncProbe: fc.boolean(),
  hedging: hedgingOption,
});

it(
  "a caller's abort, break, cancel or unread stream never touches model health; a stopped stream's result rejects as aborted",
  async () => {
    const property = fc.asyncProperty(runPlan, async (plan) => {
      const v = new Violations();
      const guard = new RejectionGuard().start();
      useChaosFakeTimers();
      runs++;
      try {
        const adapters: ScriptedModel[] = plan.models.map((m, i) =>
          scriptedModel({
            modelId: `m${i}`,
            default: { text: m.text, delayMs: m.delayMs, chunkDelayMs: m.chunkDelayMs, chunks: m.chunks },
          }),
        );
        const ledger = new HealthLedger({ asyncProbe: plan.asyncProbe });
        const sources = new PartSources();
        const entries = plan.models.map((m, i) => ({
          id: `scripted:m${i}`,
          breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 },
          timeout: {
            attemptMs: 5_000,
            firstTokenMs: 5_000,
            idleMs: 5_000,
            ...(m.learnFirstToken ? { learnFirstToken: m.learnFirstToken } : {}),
          },
          ...(m.bulkhead ? { bulkhead: m.bulkhead } : {}),
          ...(m.hedge ? { hedge: m.hedge } : {}),
        }));
        const chat = createFallback({
          models: entries.map(({ id: _id, ...entry }, i) => ({
            model: sources.wrap(adapters[i] as ScriptedModel, `scripted:m${i}`),
            ...entry,
          })),
          midStream: plan.midStream,
          healthStore: ledger,
          ...(plan.hedging ? { hedging: plan.hedging } : {}),
        });
        const facts = chainFacts(entries, plan.hedging);
        const watch = new HedgeWatch(chat, facts);
        const recorder = new EventRecorder(chat);
        const observations: (CallObservation | undefined)[] = plan.calls.map(() => undefined);
        plan.calls.forEach((spec, index) => {
          setTimeout(() => {
            const callPlan: CallPlan = {
              method: spec.method,
              request: { system: `call ${index}`, messages: [{ role: "user", content: "hi" }] },
              caller: spec.caller,
            };
            observations[index] = observeCall(chat, callPlan).observation;
          }, spec.startAtMs);
        });
        const drive = await driveUntil(() => observations.every((o) => o?.done === true), 60_000);
        await driveUntil(() => observations.every((o) => o === undefined || !awaitsResult(o)), 50);
        if (drive.end !== "done") v.add("settles", `still running after ${drive.elapsedMs} ms of fake time (${drive.end})`);

        observations.forEach((observation, index) => {
          if (!observation) return;
          const marker = `call ${index}`;
          const checked = checkCall(observation, {
            boundMs: 60_000,
            marginMs: 2,
            promptMs: 1,
            midStream: plan.midStream,
            answerOf: (result) => {
              const i = plan.models.findIndex((_, n) => result.model === `scripted:m${n}`);
              return { complete: true, text: plan.models[i]?.text ?? "?" };
            },
            providerCalls: adapters.reduce((sum, a) => sum + a.calls.filter((c) => c.request.system === marker).length, 0),
            events: recorder.of(observation.tag),
            healthChanges: ledger.of(observation.tag),
            refusal: "never",
            hedging: { facts, watch },
            sources,
          });
          for (const violation of checked.all) v.add(violation.invariant, `call ${index}: ${violation.detail}`, violation.known);
          const stopped =
            observation.callerFault !== undefined &&
            observation.plan.method === "stream" &&
            observation.outcome.state !== "rejected";
          if (
            stopped &&
            observation.result.state === "rejected" &&
            !(isModelError(observation.result.error) && observation.result.error.kind === "aborted")
          )
            v.add(
              "complete-or-typed",
              `call ${index}: stream.result after ${observation.callerFault?.what}: ${messageOf(observation.result.error)}`,
            );
        });

        watch.check(v);
        addHedgeStats(totals, watch.stats);
        // A model that lost hedges learned from them, and then timed out on its learned first-token timer (a known issue).
        const lostHedge = new Set<string>();
        const cutByLesson = new Set<string>();
        for (const event of recorder.events) {
          if (event.name !== "attempt") continue;
          const { record } = event.payload as { record: AttemptRecord };
          if (record.lostHedgeTo !== undefined && record.hedge !== true) lostHedge.add(record.model);
          if (record.outcome !== "failure") continue;
          const lesson = lostHedge.has(record.model) && /learned first-token timer/.test(record.message ?? "");
          if (lesson) cutByLesson.add(record.model);
          v.add(
            "caller-fault-neutral",
            `${record.model}: a healthy model recorded a failure (${record.kind}: ${record.message ?? ""})`,
            lesson ? "lost-hedges-shorten-learned-timer" : undefined,
          );
        }
        const lessonOf = (model: string) => (cutByLesson.has(model) ? ("lost-hedges-shorten-learned-timer" as const) : undefined);
        for (const change of ledger.changes) {
          const probeHandedBack =
            change.before.breaker === "half_open" && change.after.breaker === "open" && change.after.reopenAt <= change.time;
          if (change.after.breaker !== "closed" && !probeHandedBack && change.via === "write")
            v.add(
              "caller-fault-neutral",
              `${change.modelId}: health written as ${change.after.breaker}`,
              lessonOf(change.modelId),
            );
        }
        for (const status of chat.health()) {
          if (status.breaker !== "closed" || status.cooldownUntil !== undefined || status.recentFailures !== 0)
            v.add(
              "caller-fault-neutral",
              `${status.id}: ended ${status.breaker}, cooldown ${status.cooldownUntil}, ${status.recentFailures} recent failures`,
              lessonOf(status.id),
            );
          if (status.inFlight > 0 || status.queued > 0)
            v.add("released", `${status.id}: bulkhead holds ${status.inFlight} in flight, ${status.queued} queued`);
        }
        await flushPromises();
        if (vi.getTimerCount() > 0) v.add("released", `${vi.getTimerCount()} timer(s) still pending after every call ended`);
        adapters.forEach((adapter, i) => {
          if (adapter.inFlight > 0) v.add("released", `m${i}: ${adapter.inFlight} adapter call(s) never closed`);
        });
      } finally {
        vi.clearAllTimers();
        vi.useRealTimers();
        await flushPromises();
        for (const reason of guard.stop()) v.add("no-unhandled-rejection", messageOf(reason));
      }
      v.throwIfAny();
    });
    await fc.assert(property, propertyParameters(budget));
    reportHedgeStats("caller faults", runs, totals);
    expect(true).toBe(true);
  },
  propertyTestTimeout(budget),
);

const slowConsumer = fc.record({
  text: fc.array(fc.constantFrom("moon", "tea", "river", "seven"), { minLength: 2, maxLength: 6 }).map((w) => w.join(" ")),
  pauseMs: fc.integer({ min: 20, max: 400 }),
  deadlineFraction: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
  models: fc.integer({ min: 1, max: 2 }),
});

it(
  "a deadline that runs out while the consumer holds the stream does not count against a model that answered at once",
  async () => {
    const property = fc.asyncProperty(slowConsumer, async (plan) => {
      const v = new Violations();
      useChaosFakeTimers();
      try {
        const words = plan.text.split(" ").length;
        // The provider answers at once; only the consumer's pauses make the call long.
        const deadlineMs = Math.max(1, Math.floor(plan.pauseMs * words * plan.deadlineFraction));
        const adapters = Array.from({ length: plan.models }, (_, i) =>
          scriptedModel({ modelId: `m${i}`, default: { text: plan.text } }),
        );
        const chat = createFallback({
          models: adapters.map((model) => ({ model, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 } })),
        });
        const recorder = new EventRecorder(chat);
        const { observation } = observeCall(chat, {
          method: "stream",
          request: { messages: [{ role: "user", content: "hi" }] },
          options: { deadlineMs },
          caller: { kind: "read" },
          pauseMs: plan.pauseMs,
        });
        const drive = await driveUntil(() => observation.done && observation.result.state !== "pending", 60_000);
        if (drive.end !== "done") v.add("settles", `still running after ${drive.elapsedMs} ms of fake time`);
        for (const event of recorder.events) {
          if (event.name !== "attempt") continue;
          const { record } = event.payload as { record: { model: string; outcome: string; kind?: string } };
          if (record.outcome === "failure")
            v.add(
              "caller-fault-neutral",
              `${record.model} answered at once, the consumer paused ${plan.pauseMs} ms a part, the ${deadlineMs} ms deadline ran out: recorded as its ${record.kind} failure`,
              "slow-consumer-deadline-blames-model",
            );
        }
        for (const status of chat.health()) {
          if (status.breaker !== "closed" || status.recentFailures !== 0)
            v.add(
              "caller-fault-neutral",
              `${status.id}: ${status.breaker}, ${status.recentFailures} recent failures`,
              "slow-consumer-deadline-blames-model",
            );
        }
      } finally {
        vi.clearAllTimers();
        vi.useRealTimers();
      }
      v.throwIfAny();
    });
    await fc.assert(property, propertyParameters({ runs: 100, ciRuns: 50, timeLimitMs: 3_000 }));
    expect(true).toBe(true);
  },
  propertyTestTimeout({ runs: 100, ciRuns: 50, timeLimitMs: 3_000 }),
);
