// Chains of scripted models (answers, failures before and mid-stream, cuts,
// stalls, silences, slow and deaf adapters, hostile Retry-After and usage)
// under 1–4 overlapping calls whose callers read, abort, break, cancel or
// never read — on fake timers, so seconds of timers cost nothing. Every call
// settles once, in time, with a complete answer or a typed error; caller
// faults never touch health; nothing is left running.
import type { ScriptStep } from "@understudy/testing";
import fc from "fast-check";
import { expect, it } from "vitest";
import { callerBehaviour } from "./arbitraries/caller.ts";
import { chainPolicy, deadline, fakeTimeScale, modelPolicy } from "./arbitraries/chain-settings.ts";
import { scriptStep } from "./arbitraries/scripted-step.ts";
import type { HostileListeners } from "./harness/event-recorder.ts";
import { emptyHedgeStats, reportHedgeStats } from "./harness/hedge-invariants.ts";
import { type PropertyBudget, propertyParameters, propertyTestTimeout } from "./harness/property-settings.ts";
import { type RunPlan, runScripted } from "./harness/scripted-run.ts";

const budget: PropertyBudget = { runs: 400, ciRuns: 250, timeLimitMs: 12_000 };
/** How much hedging the runs saw (printed with `CHAOS_STATS=1`). */
const totals = emptyHedgeStats();
let runs = 0;

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

it(
  "scripted chains: every call settles once, in time, complete or typed; caller faults leave health alone; nothing leaks",
  async () => {
    const property = fc.asyncProperty(runPlan, async (plan) => {
      runs++;
      await runScripted(plan, totals);
    });
    await fc.assert(property, propertyParameters(budget));
    reportHedgeStats("scripted", runs, totals);
    expect(true).toBe(true);
  },
  propertyTestTimeout(budget),
);
