import {
  type AnswerCheck,
  type AttemptRecord,
  countsAgainstHealth,
  createFallback,
  type FallbackResult,
  type MidStreamMode,
} from "@understudy/core";
import { type ScriptedModel, type ScriptStep, scriptedModel } from "@understudy/testing";
import { vi } from "vitest";
import { type ChainPolicy, type ModelPolicy, worstCaseMs } from "../arbitraries/chain-settings.ts";
import { completes, maxParts, stepText } from "../arbitraries/scripted-step.ts";
import { nextSeq } from "./call-context.ts";
import { buildValidChain, checkCall, messageOf } from "./call-invariants.ts";
import { EventRecorder, type HostileListeners, ListenerFault, type RecordedEvent } from "./event-recorder.ts";
import { driveUntil, flushPromises, useChaosFakeTimers } from "./fake-clock.ts";
import { HealthLedger } from "./health-ledger.ts";
import { addHedgeStats, chainFacts, type HedgeStats, HedgeWatch, queuedHedgeNeverEnded } from "./hedge-invariants.ts";
import type { KnownIssue } from "./known-issues.ts";
import { awaitsResult, type CallObservation, type CallPlan, observeCall } from "./observe-call.ts";
import { PartSources } from "./part-sources.ts";
import { RejectionGuard } from "./unhandled-rejections.ts";
import { Violations } from "./violation.ts";

// One run of scripted chains on fake timers, and every check of it: shared by
// the scripted property and the hedged-races property, which draw their
// plans differently.

/** One scripted model of a run: its policy, its script, what it declares. */
export interface ModelPlan {
  readonly policy: ModelPolicy;
  readonly steps: readonly ScriptStep[];
  readonly otherwise: ScriptStep;
  /** What the adapter declares it can take (unknown when absent). */
  readonly capabilities: {
    readonly tools?: boolean;
    readonly json?: boolean;
    readonly prefill?: boolean;
    readonly contextWindow?: number;
  };
}

/** One call of a run. */
export interface CallSpec {
  readonly method: "generate" | "stream";
  readonly caller: CallPlan["caller"];
  readonly startAtMs: number;
  readonly pauseMs: number;
  readonly options:
    | {
        readonly midStream?: MidStreamMode;
        readonly deadlineMs?: number;
        readonly models?: readonly string[];
        /** Checks the answer must pass (a stream holds its parts until they pass, with `bufferAnswers`). */
        readonly answerChecks?: readonly AnswerCheck[];
        readonly bufferAnswers?: boolean;
      }
    | undefined;
  /** The request asks for tools, JSON output. */
  readonly needs: { readonly tools: boolean; readonly json: boolean };
}

/** An operator's hand on a model: `isolate` holds it open, `reset` closes it again. */
export interface OperatorAction {
  readonly atMs: number;
  readonly action: "isolate" | "reset";
  readonly model: number;
}

/** A run: a chain of scripted models, the calls made on it, the listeners, the operator. */
export interface RunPlan {
  readonly chain: ChainPolicy;
  readonly models: readonly ModelPlan[];
  readonly calls: readonly CallSpec[];
  readonly listeners: HostileListeners;
  readonly asyncProbe: boolean;
  readonly operator: readonly OperatorAction[];
}

function stepOf(plan: ModelPlan, call: number): ScriptStep {
  return plan.steps[call - 1] ?? plan.otherwise;
}

/** The longest a call may take with no deadline: every model to its worst case, for every call that may queue ahead. */
export function worstCase(plan: RunPlan): number {
  const stepsOf = (m: ModelPlan) => [...m.steps, m.otherwise];
  let total = 0;
  for (const call of plan.calls) {
    for (const model of plan.models) {
      const parts = Math.max(...stepsOf(model).map(maxParts));
      total += worstCaseMs(model.policy, call.method, parts) * 2 + call.pauseMs * (parts + 1);
    }
  }
  return total + Math.max(...plan.calls.map((c) => c.startAtMs));
}

/**
 * Runs `plan` on fake timers and checks it, throwing every broken invariant
 * (for fast-check to shrink); adds what its hedges did to `stats`.
 */
export async function runScripted(plan: RunPlan, stats: HedgeStats): Promise<void> {
  const v = new Violations();
  const guard = new RejectionGuard().start();
  useChaosFakeTimers();
  try {
    await runOnce(plan, v, stats);
  } finally {
    vi.clearAllTimers();
    vi.useRealTimers();
    await flushPromises();
    for (const reason of guard.stop()) {
      v.add(
        "no-unhandled-rejection",
        messageOf(reason),
        reason instanceof ListenerFault ? "async-listener-rejection" : undefined,
      );
    }
  }
  v.throwIfAny();
}

async function runOnce(plan: RunPlan, v: Violations, totals: HedgeStats): Promise<void> {
  // The global order in which each model's calls began, to compare with the operator's actions.
  const callSeqs: { seq: number; at: number }[][] = plan.models.map(() => []);
  const adapters: ScriptedModel[] = plan.models.map((m, index) =>
    scriptedModel({
      modelId: `m${index}`,
      script: (call) => {
        callSeqs[index]?.push({ seq: nextSeq(), at: Date.now() });
        return stepOf(m, call);
      },
      capabilities: m.capabilities,
    }),
  );
  const ledger = new HealthLedger({ asyncProbe: plan.asyncProbe });
  const sources = new PartSources();
  const chat = buildValidChain(v, () =>
    createFallback({
      models: plan.models.map((m, index) => ({
        model: sources.wrap(adapters[index] as ScriptedModel, `scripted:m${index}`),
        ...m.policy,
      })),
      ...(plan.chain.deadlineMs === undefined ? {} : { deadlineMs: plan.chain.deadlineMs }),
      midStream: plan.chain.midStream,
      whenAllUnavailable: plan.chain.whenAllUnavailable,
      healthStore: ledger,
      ...(plan.chain.hedging ? { hedging: plan.chain.hedging } : {}),
    }),
  );
  if (!chat) return;
  const facts = chainFacts(
    plan.models.map((m, index) => ({ id: `scripted:m${index}`, ...m.policy })),
    plan.chain.hedging,
  );
  const watch = new HedgeWatch(chat, facts);
  const recorder = new EventRecorder(chat, plan.listeners);
  const observations: (CallObservation | undefined)[] = plan.calls.map(() => undefined);
  const start = Date.now();
  plan.calls.forEach((spec, index) => {
    setTimeout(() => {
      const request = {
        system: `call ${index}`,
        messages: [{ role: "user" as const, content: `question ${index}` }],
        maxTokens: 64,
        ...(spec.needs.tools ? { tools: [{ name: "lookup", inputSchema: { type: "object", properties: {} } }] } : {}),
        ...(spec.needs.json ? { responseFormat: { type: "json" as const } } : {}),
      };
      const callPlan: CallPlan = {
        method: spec.method,
        request,
        ...(spec.options ? { options: spec.options } : {}),
        caller: spec.caller,
        ...(spec.pauseMs ? { pauseMs: spec.pauseMs } : {}),
      };
      observations[index] = observeCall(chat, callPlan).observation;
    }, spec.startAtMs);
  });
  // The operator isolates and resets models at random times; an isolated model gets no new call.
  const isolations: { model: number; from: number; to: number }[] = [];
  const operatorTimers: ReturnType<typeof setTimeout>[] = [];
  for (const action of plan.operator) {
    const id = `scripted:m${action.model}`;
    if (action.model >= plan.models.length) continue;
    const timer = setTimeout(() => {
      const seq = nextSeq();
      if (action.action === "isolate") {
        chat.isolate(id);
        if (!isolations.some((w) => w.model === action.model && w.to === Number.POSITIVE_INFINITY))
          isolations.push({ model: action.model, from: seq, to: Number.POSITIVE_INFINITY });
      } else {
        chat.reset(id);
        for (const w of isolations) if (w.model === action.model && w.to === Number.POSITIVE_INFINITY) w.to = seq;
      }
    }, action.atMs);
    operatorTimers.push(timer);
  }
  const worst = worstCase(plan);
  // Fake time to drive before calling a call stuck: past every call's own limit.
  const limit =
    Math.max(
      ...plan.calls.map(
        (c) => Math.min(worst, c.options?.deadlineMs ?? plan.chain.deadlineMs ?? worst) + c.startAtMs + c.pauseMs * 10,
      ),
    ) + 5_000;
  const drive = await driveUntil(() => observations.every((o) => o?.done === true), limit);
  // A stream's result settles right after its iteration ends.
  await driveUntil(() => observations.every((o) => o === undefined || !awaitsResult(o)), 50);
  if (drive.end !== "done") {
    const stuck = observations
      .map((o, i) => (o?.done ? undefined : `call ${i} (${plan.calls[i]?.method}/${plan.calls[i]?.caller.kind})`))
      .filter(Boolean);
    v.add("settles", `after ${drive.elapsedMs} ms of fake time (${drive.end}), still running: ${stuck.join(", ")}`);
  }
  // The operator's hand is not the engine's: its actions still to come are dropped.
  for (const timer of operatorTimers) clearTimeout(timer);
  const timersAfter = vi.getTimerCount();

  observations.forEach((observation, index) => {
    if (!observation) return;
    const spec = plan.calls[index] as CallSpec;
    const marker = `call ${index}`;
    const deadlineMs = spec.options?.deadlineMs ?? plan.chain.deadlineMs;
    const modelOf = (result: FallbackResult) => plan.models.findIndex((_, i) => result.model === `scripted:m${i}`);
    if (process.env.CHAOS_DEBUG) debugCall(marker, observation, recorder.of(observation.tag), start);
    const checked = checkCall(observation, {
      boundMs: deadlineMs ?? worst,
      ...(deadlineMs === undefined ? {} : { deadlineMs }),
      // A stream that held its parts until its answer passed its checks hands them over after the answer is in,
      // however long its consumer pauses between them: the deadline does not cut that drain (an unheld stream's
      // consumer is cut by it between two parts).
      marginMs:
        2 +
        spec.pauseMs *
          (spec.options?.bufferAnswers
            ? 2 + Math.max(...plan.models.flatMap((m) => [...m.steps, m.otherwise].map(maxParts)))
            : 1),
      promptMs: 1 + spec.pauseMs,
      midStream: spec.options?.midStream ?? plan.chain.midStream,
      answerOf: (result) => {
        const i = modelOf(result);
        const adapter = adapters[i];
        const modelPlan = plan.models[i];
        if (!adapter || !modelPlan) return { complete: false };
        const last = adapter.calls.filter((c) => c.request.system === marker).at(-1);
        if (!last) return { complete: false };
        const step = stepOf(modelPlan, last.call);
        return { complete: completes(step, last.method), text: stepText(step, `m${i}`) };
      },
      providerCalls: adapters.reduce((sum, a) => sum + a.calls.filter((c) => c.request.system === marker).length, 0),
      events: recorder.of(observation.tag),
      healthChanges: ledger.of(observation.tag),
      refusal: "never",
      hedging: { facts, watch },
      sources,
    });
    for (const violation of checked.all) v.add(violation.invariant, `call ${index}: ${violation.detail}`, violation.known);
    // An answer the call's checks refuse never reaches the caller, hedged or not.
    const answer = observation.plan.method === "generate" ? observation.outcome : observation.result;
    const checks = spec.options?.answerChecks ?? [];
    if (answer.state === "resolved" && answer.value && checks.length > 0) {
      const request = { messages: [{ role: "user" as const, content: marker }] };
      const failed = checks.find((c) => c.check(answer.value as FallbackResult, request) != null);
      if (failed)
        v.add(
          "complete-or-typed",
          `call ${index}: the answer ${JSON.stringify(answer.value.text)} fails the call's check "${failed.name}"`,
        );
    }
  });
  watch.check(v);
  addHedgeStats(totals, watch.stats);

  // No model was called with a request its declared capabilities exclude, nor while an operator held it isolated.
  adapters.forEach((adapter, i) => {
    const caps = plan.models[i]?.capabilities ?? {};
    for (const call of adapter.calls) {
      const request = call.request;
      if (caps.tools === false && (request.tools?.length ?? 0) > 0)
        v.add("complete-or-typed", `m${i} declares no tools, and was called with tools`);
      if (caps.json === false && request.responseFormat?.type === "json")
        v.add("complete-or-typed", `m${i} declares no JSON output, and was asked for it`);
      if (caps.prefill === false && request.messages.at(-1)?.role === "assistant")
        v.add("complete-or-typed", `m${i} declares it rejects prefills, and was sent one`, "prefill-despite-capabilities");
    }
    for (const { seq, at } of callSeqs[i] ?? []) {
      const window = isolations.find((w) => w.model === i && seq > w.from && seq < w.to);
      if (!window) continue;
      const why = isolatedCallAfterWait(recorder.events, `scripted:m${i}`, at, window.from);
      v.add(
        "caller-fault-neutral",
        `m${i} was called at ${at - start} ms while an operator held it isolated${why ? ` (${why.what})` : ""}`,
        why?.known ?? "queued-call-ignores-health",
      );
    }
  });

  // Nothing left running once every call is over.
  const deaf = plan.models.some((m) => [...m.steps, m.otherwise].some((s) => s.ignoreAbort));
  if (deaf) await driveUntil(() => vi.getTimerCount() === 0, 60_000);
  else if (drive.end === "done" && timersAfter > 0)
    v.add("released", `${timersAfter} timer(s) still pending after every call settled`);
  await flushPromises();
  adapters.forEach((adapter, i) => {
    if (adapter.inFlight > 0)
      v.add(
        "released",
        `m${i}: ${adapter.inFlight} adapter call(s) never closed`,
        queuedHedgeNeverEnded(recorder.events, facts) ? "queued-hedge-loser-holds-winner" : undefined,
      );
  });
  if (drive.end !== "done") return;
  const elapsed = Date.now() - start;
  for (const [i, status] of chat.health().entries()) {
    if (status.breaker === "half_open")
      v.add("released", `${status.id}: still half-open (a probe lease held) after every call ended`, "probe-lease-leak");
    if (status.inFlight > 0 || status.queued > 0)
      v.add(
        "released",
        `${status.id}: bulkhead holds ${status.inFlight} in flight, ${status.queued} queued`,
        queuedHedgeNeverEnded(recorder.events, facts) ? "queued-hedge-loser-holds-winner" : undefined,
      );
    if (elapsed < 55_000 && !plan.operator.some((a) => a.action === "reset")) {
      const counted = recorder.events.filter((e) => {
        if (e.name !== "attempt") return false;
        const { record } = e.payload as { record: { model: string; outcome: string; kind?: string } };
        return (
          record.model === `scripted:m${i}` &&
          record.outcome === "failure" &&
          record.kind !== undefined &&
          countsAgainstHealth(record.kind as never)
        );
      }).length;
      if (status.recentFailures !== counted)
        v.add(
          "caller-fault-neutral",
          `${status.id}: health counts ${status.recentFailures} recent failures, the attempts show ${counted}`,
        );
    }
  }
}

/** With `CHAOS_DEBUG` set (replaying a counterexample): one call's events, one a line, in fake ms from the run's start. */
function debugCall(marker: string, o: CallObservation, events: readonly RecordedEvent[], start: number): void {
  const lines = events.map((e) => {
    const payload = e.payload as Record<string, unknown>;
    const record = payload.record as Record<string, unknown> | undefined;
    const { requestId: _id, result: _result, error, record: _record, attempts: _attempts, request: _request, ...rest } = payload;
    const detail = record
      ? `${record.model} #${record.attempt} ${record.outcome} ${record.kind ?? record.skipReason ?? ""} start ${Number(record.startedAt) - start} dur ${record.durationMs}${record.hedge ? " hedge" : ""}${record.lostHedgeTo ? ` lost to ${record.lostHedgeTo}` : ""}${record.firstContentMs === undefined ? "" : ` first ${record.firstContentMs}`} ${record.message ?? ""}`
      : `${JSON.stringify(rest)}${error ? ` ${messageOf(error)}` : ""}`;
    return `  ${e.time - start} ms #${e.seq} ${e.name} ${detail}`;
  });
  console.log(
    `${marker} (${o.plan.method}/${o.plan.caller.kind}, started ${o.startedAt - start} ms, fault ${o.callerFault ? `${o.callerFault.what} at ${o.callerFault.at - start} ms #${o.callerFault.seq}` : "none"}):\n${lines.join("\n")}`,
  );
}

/**
 * Why a call to `model` at `at` went out though the model was isolated (at
 * `isolatedSeq`): its request had chosen it before, then waited — a call the
 * all-unavailable rule forced, queued in the bulkhead; or the attempt after a
 * cut, while the consumer held its `reset` part. `undefined` for any other
 * wait (a regression of `queued-call-ignores-health`).
 */
function isolatedCallAfterWait(
  events: readonly RecordedEvent[],
  model: string,
  at: number,
  isolatedSeq: number,
): { readonly what: string; readonly known: KnownIssue } | undefined {
  const attempt = events.find((e) => {
    if (e.name !== "attempt") return false;
    const record = (e.payload as { record: AttemptRecord }).record;
    return record.model === model && record.startedAt <= at && at <= record.startedAt + record.durationMs;
  });
  if (!attempt) return undefined;
  const record = (attempt.payload as { record: AttemptRecord }).record;
  const mine = events.filter((e) => e.tag === attempt.tag && e.seq < attempt.seq);
  const forced = mine.some((e) => e.name === "skip" && (e.payload as { model: string }).model === model);
  if (forced)
    return {
      what: "a call the all-unavailable rule forced, after a wait in the bulkhead queue",
      known: "isolation-ignored-after-wait",
    };
  const reset = mine.filter((e) => e.name === "reset").at(-1);
  if (reset && reset.seq < isolatedSeq && record.startedAt < at)
    return { what: "the attempt after a cut, made once the consumer took its reset part", known: "isolation-ignored-after-wait" };
  return undefined;
}
