// Requests and call options, valid and hostile (unknown keys, circular or
// BigInt schemas, `signal: {}`, `options: null`, `deadlineMs: "100"`, …),
// through real adapters against a healthy fault server: a RequestError before
// any call is made (no model called, health untouched), or a normal run.
import { countsAgainstHealth, createFallback, type FallbackResult } from "@understudy/core";
import { FaultServer } from "@understudy/testing";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { judgedOptions, judgedRequest, type Verdict } from "./arbitraries/request.ts";
import { type CallExpectations, checkCall, messageOf } from "./harness/call-invariants.ts";
import { EventRecorder } from "./harness/event-recorder.ts";
import { activeHandles, settleHandles } from "./harness/handles.ts";
import { HealthLedger } from "./harness/health-ledger.ts";
import type { KnownIssue } from "./harness/known-issues.ts";
import { observeCall } from "./harness/observe-call.ts";
import { type PropertyBudget, propertyParameters, propertyTestTimeout } from "./harness/property-settings.ts";
import { settlesWithin, waitUntil } from "./harness/real-time.ts";
import { RejectionGuard } from "./harness/unhandled-rejections.ts";
import { Violations } from "./harness/violation.ts";
import { apiKeyArbitrary, wireModel } from "./harness/wire-models.ts";

const budget: PropertyBudget = { runs: 200, ciRuns: 120, timeLimitMs: 10_000, runTimeoutMs: 8_000 };
const callLimitMs = 4_000;

let server: FaultServer;
beforeAll(async () => {
  server = await FaultServer.start();
});
afterAll(() => server.close());

const models = [
  { provider: "google" as const, modelId: "gemini-chaos", id: "google:gemini-chaos", text: "google answers the chaos" },
  { provider: "openai" as const, modelId: "gpt-chaos", id: "openai:gpt-chaos", text: "openai answers the chaos" },
  { provider: "anthropic" as const, modelId: "claude-chaos", id: "anthropic:claude-chaos", text: "anthropic answers the chaos" },
];

/** The refusal a call deserves, from the verdicts of its request and its options. */
function refusalOf(verdicts: readonly Verdict[]): CallExpectations["refusal"] {
  const refuse = verdicts.find((v) => v.must === "refuse");
  if (refuse) return refuse.must === "refuse" && refuse.known ? { must: true, known: refuse.known } : { must: true };
  return verdicts.some((v) => v.must === "either") ? "maybe" : "never";
}

it(
  "a hostile request or call option is a RequestError before any call; a valid one runs normally",
  async () => {
    const property = fc.asyncProperty(
      judgedRequest,
      judgedOptions(models.map((m) => m.id)),
      fc.constantFrom("generate" as const, "stream" as const),
      apiKeyArbitrary,
      async (request, options, method, apiKey) => {
        const v = new Violations();
        const t0 = performance.now();
        const guard = new RejectionGuard().start();
        const baseline = activeHandles();
        const logLines: unknown[] = [];
        let outcome = (): string => "not started";
        try {
          for (const m of models) server.script(m.modelId, [], { text: m.text });
          const ledger = new HealthLedger();
          const chat = createFallback({
            models: models.map((m) => ({
              model: wireModel(m.provider, m.modelId, server, apiKey, logLines),
              timeout: { attemptMs: 2_000, firstTokenMs: 2_000 },
            })),
            healthStore: ledger,
          });
          const recorder = new EventRecorder(chat);
          const plan = {
            method,
            request: request.value,
            ...(options.pass ? { options: options.value } : {}),
            caller: { kind: "read" as const },
          };
          const call = observeCall(chat, plan);
          const { observation, finished } = call;
          outcome = () => observation.outcome.state;
          await settlesWithin(finished, callLimitMs);
          if (method === "stream" && !observation.thrownAtOnce)
            await waitUntil(() => observation.result.state !== "pending", 200);
          const events = recorder.of(observation.tag);
          const refusal = refusalOf([request.verdict, options.verdict]);
          const expectations: CallExpectations = {
            boundMs: callLimitMs,
            marginMs: 300,
            promptMs: 300,
            midStream: "error",
            answerOf: (result: FallbackResult) => ({
              complete: true,
              text: models.find((m) => m.id === result.model)?.text ?? "?",
            }),
            providerCalls: server.log.length,
            events,
            healthChanges: ledger.of(observation.tag),
            secret: { key: apiKey, surfaces: logLines },
            refusal,
          };
          v.addAll(checkCall(observation, expectations).all);
          // The server is healthy: a failure that counts against a model means the request was mangled or misread.
          const known: KnownIssue | undefined = request.note.startsWith("unserialisable")
            ? "unserialisable-request"
            : options.verdict.must === "either"
              ? "huge-durations"
              : undefined;
          for (const event of events) {
            if (event.name !== "attempt") continue;
            const { record } = event.payload as { record: { model: string; outcome: string; kind?: string; message?: string } };
            if (record.outcome === "failure" && record.kind && countsAgainstHealth(record.kind as never))
              v.add(
                "classified",
                `${request.note} / ${options.note}: a healthy ${record.model} failed as ${record.kind}: ${record.message}`,
                known,
              );
          }
          for (const model of chat.health()) {
            if (model.breaker !== "closed" || model.cooldownUntil !== undefined)
              v.add("caller-fault-neutral", `${request.note} / ${options.note}: ${model.id} left ${model.breaker}`, known);
          }
        } finally {
          await server.reset();
          const left = await settleHandles(baseline, 500);
          if (left.length > 0) v.add("no-leaked-handle", `left open: ${left.join(", ")}`);
          for (const reason of guard.stop()) v.add("no-unhandled-rejection", messageOf(reason));
          if (process.env.CHAOS_DEBUG)
            console.log(`${(performance.now() - t0).toFixed(0)} ms ${method} ${request.note} / ${options.note} → ${outcome()}`);
        }
        v.without("finish-part").throwIfAny();
      },
    );
    await fc.assert(property, propertyParameters(budget));
    expect(true).toBe(true);
  },
  propertyTestTimeout(budget),
);
