// Chains of scripted models (answers, failures before and mid-stream, cuts,
// stalls, silences, slow and deaf adapters, hostile Retry-After and usage)
// under 1–4 overlapping calls whose callers read, abort, break, cancel or
// never read — on fake timers, so seconds of timers cost nothing. Every call
// settles once, in time, with a complete answer or a typed error; caller
// faults never touch health; nothing is left running.
import { countsAgainstHealth, createFallback, type FallbackResult, type MidStreamMode } from "@understudy/core";
import { type ScriptedModel, type ScriptStep, scriptedModel } from "@understudy/testing";
import fc from "fast-check";
import { expect, it, vi } from "vitest";
import { callerBehaviour } from "./arbitraries/caller.ts";
import {
  type ChainPolicy,
  chainPolicy,
  deadline,
  fakeTimeScale,
  type ModelPolicy,
  modelPolicy,
  worstCaseMs,
} from "./arbitraries/chain-settings.ts";
import { completes, maxParts, scriptStep, stepText } from "./arbitraries/scripted-step.ts";
import { nextSeq } from "./harness/call-context.ts";
import { buildValidChain, checkCall, messageOf } from "./harness/call-invariants.ts";
import { EventRecorder, type HostileListeners, ListenerFault } from "./harness/event-recorder.ts";
import { driveUntil, flushPromises, useChaosFakeTimers } from "./harness/fake-clock.ts";
import { HealthLedger } from "./harness/health-ledger.ts";
import { awaitsResult, type CallObservation, type CallPlan, observeCall } from "./harness/observe-call.ts";
import { type PropertyBudget, propertyParameters, propertyTestTimeout } from "./harness/property-settings.ts";
import { RejectionGuard } from "./harness/unhandled-rejections.ts";
import { Violations } from "./harness/violation.ts";

const budget: PropertyBudget = { runs: 400, ciRuns: 250, timeLimitMs: 12_000 };

interface ModelPlan {
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

interface CallSpec {
  readonly method: "generate" | "stream";
  readonly caller: CallPlan["caller"];
  readonly startAtMs: number;
  readonly pauseMs: number;
  readonly options: { readonly midStream?: MidStreamMode; readonly deadlineMs?: number } | undefined;
  /** The request asks for tools, JSON output. */
  readonly needs: { readonly tools: boolean; readonly json: boolean };
}

/** An operator's hand on a model: `isolate` holds it open, `reset` closes it again. */
interface OperatorAction {
  readonly atMs: number;
  readonly action: "isolate" | "reset";
  readonly model: number;
}

interface RunPlan {
  readonly chain: ChainPolicy;
  readonly models: readonly ModelPlan[];
  readonly calls: readonly CallSpec[];
  readonly listeners: HostileListeners;
  readonly asyncProbe: boolean;
  readonly operator: readonly OperatorAction[];
}

const callSpec = fc.constantFrom("generate" as const, "stream" as const).chain((method) =>
  fc.record({
    method: fc.constant(method),
    caller: callerBehaviour(method, 4_000),
    startAtMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 6_000 })),
    pauseMs: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }) }),
    options: fc.option(
      fc.oneof(
        fc.constantFrom("error" as const, "restart" as const, "continue" as const).map((midStream) => ({ midStream })),
        fc.integer({ min: 100, max: 8_000 }).map((deadlineMs) => ({ deadlineMs })),
      ),
      { nil: undefined, freq: 3 },
    ),
    needs: fc.record({ tools: fc.boolean(), json: fc.boolean() }),
  }),
);

const runPlan: fc.Arbitrary<RunPlan> = deadline(fakeTimeScale).chain((deadlineMs) =>
  fc.record({
    chain: chainPolicy(deadlineMs),
    models: fc.array(
      fc.record({
        policy: modelPolicy(fakeTimeScale, deadlineMs !== undefined),
        steps: fc.array(scriptStep, { maxLength: 4 }),
        otherwise: fc.oneof({ weight: 3, arbitrary: fc.constant<ScriptStep>({}) }, { weight: 1, arbitrary: scriptStep }),
        capabilities: fc.record(
          { tools: fc.boolean(), json: fc.boolean(), prefill: fc.boolean(), contextWindow: fc.integer({ min: 20, max: 400 }) },
          { requiredKeys: [] },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    calls: fc.array(callSpec, { minLength: 1, maxLength: 4 }),
    listeners: fc.constantFrom<HostileListeners>("none", "none", "none", "throwing", "rejecting"),
    asyncProbe: fc.boolean(),
    operator: fc.array(
      fc.record({
        atMs: fc.integer({ min: 0, max: 6_000 }),
        action: fc.constantFrom("isolate" as const, "reset" as const),
        model: fc.nat(2),
      }),
      { maxLength: 2 },
    ),
  }),
);

function stepOf(plan: ModelPlan, call: number): ScriptStep {
  return plan.steps[call - 1] ?? plan.otherwise;
}

/** The longest a call may take with no deadline: every model to its worst case, for every call that may queue ahead. */
function worstCase(plan: RunPlan): number {
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

it(
  "scripted chains: every call settles once, in time, complete or typed; caller faults leave health alone; nothing leaks",
  async () => {
    const property = fc.asyncProperty(runPlan, async (plan) => {
      const v = new Violations();
      const guard = new RejectionGuard().start();
      useChaosFakeTimers();
      try {
        await runOnce(plan, v);
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
    });
    await fc.assert(property, propertyParameters(budget));
    expect(true).toBe(true);
  },
  propertyTestTimeout(budget),
);

async function runOnce(plan: RunPlan, v: Violations): Promise<void> {
  // The global order in which each model's calls began, to compare with the operator's actions.
  const callSeqs: number[][] = plan.models.map(() => []);
  const adapters: ScriptedModel[] = plan.models.map((m, index) =>
    scriptedModel({
      modelId: `m${index}`,
      script: (call) => {
        callSeqs[index]?.push(nextSeq());
        return stepOf(m, call);
      },
      capabilities: m.capabilities,
    }),
  );
  const ledger = new HealthLedger({ asyncProbe: plan.asyncProbe });
  const chat = buildValidChain(v, () =>
    createFallback({
      models: plan.models.map((m, index) => ({ model: adapters[index] as ScriptedModel, ...m.policy })),
      ...(plan.chain.deadlineMs === undefined ? {} : { deadlineMs: plan.chain.deadlineMs }),
      midStream: plan.chain.midStream,
      whenAllUnavailable: plan.chain.whenAllUnavailable,
      healthStore: ledger,
    }),
  );
  if (!chat) return;
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
    const checked = checkCall(observation, {
      boundMs: deadlineMs ?? worst,
      ...(deadlineMs === undefined ? {} : { deadlineMs }),
      marginMs: 2 + spec.pauseMs,
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
    });
    for (const violation of checked.all) v.add(violation.invariant, `call ${index}: ${violation.detail}`, violation.known);
  });

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
    for (const seq of callSeqs[i] ?? []) {
      const window = isolations.find((w) => w.model === i && seq > w.from && seq < w.to);
      if (window)
        v.add("caller-fault-neutral", `m${i} was called while an operator held it isolated`, "queued-call-ignores-health");
    }
  });

  // Nothing left running once every call is over.
  const deaf = plan.models.some((m) => [...m.steps, m.otherwise].some((s) => s.ignoreAbort));
  if (deaf) await driveUntil(() => vi.getTimerCount() === 0, 60_000);
  else if (drive.end === "done" && timersAfter > 0)
    v.add("released", `${timersAfter} timer(s) still pending after every call settled`);
  await flushPromises();
  adapters.forEach((adapter, i) => {
    if (adapter.inFlight > 0) v.add("released", `m${i}: ${adapter.inFlight} adapter call(s) never closed`);
  });
  if (drive.end !== "done") return;
  const elapsed = Date.now() - start;
  for (const [i, status] of chat.health().entries()) {
    if (status.breaker === "half_open")
      v.add("released", `${status.id}: still half-open (a probe lease held) after every call ended`, "probe-lease-leak");
    if (status.inFlight > 0 || status.queued > 0)
      v.add("released", `${status.id}: bulkhead holds ${status.inFlight} in flight, ${status.queued} queued`);
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
