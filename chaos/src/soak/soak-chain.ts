import {
  createFallback,
  type Fallback,
  type HedgeOptions,
  type HedgingOptions,
  type LearnedFirstTokenOptions,
  type ModelEntry,
} from "@understudy/core";
import type { FaultServer, FaultStep } from "@understudy/testing";
import fc from "fast-check";
import { wireStep } from "../arbitraries/fault-step.ts";
import { answerText } from "../arbitraries/scripted-step.ts";
import type { HealthLedger } from "../harness/health-ledger.ts";
import { type ChainFacts, chainFacts } from "../harness/hedge-invariants.ts";
import type { PartSources } from "../harness/part-sources.ts";
import { type WireProvider, wireModel } from "../harness/wire-models.ts";

/** A step with the text it answers with (to check a success against). */
export type SoakStep = FaultStep & { readonly text: string };

/** One model of the soak's chain: its provider, how often it fails, and its policies. */
interface SoakModel {
  readonly provider: WireProvider;
  readonly modelId: string;
  /** Share of its calls that get a fault. */
  readonly faultRate: number;
  readonly policy: Omit<ModelEntry, "model">;
}

const timers = { attemptMs: 400, firstTokenMs: 300, idleMs: 250 };
const cooldown = { quotaMs: 1_000, maxMs: 2_000 };

/** A chain with retries, breakers, bulkheads and short timers; the first model fails most. */
export const soakModels: readonly SoakModel[] = [
  {
    provider: "anthropic",
    modelId: "claude-soak-a",
    faultRate: 0.45,
    policy: {
      retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 100, maxRetryAfterMs: 200 },
      timeout: timers,
      // Adaptive: the model that fails most is probed after 100 ms, backing off to 1 s while probes fail.
      breaker: { consecutiveFailures: 5, halfOpenAfterMs: { initialMs: 100, maxMs: 1_000 } },
      bulkhead: { maxConcurrent: 12, maxQueued: 8 },
      cooldown,
      acceptsPrefill: true,
    },
  },
  {
    provider: "openai",
    modelId: "gpt-soak-b",
    faultRate: 0.3,
    policy: {
      retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 100, maxRetryAfterMs: 200 },
      timeout: timers,
      breaker: { failureRate: 0.5, windowMs: 2_000, minimumRps: 2, halfOpenAfterMs: 500 },
      bulkhead: { maxConcurrent: 8, maxQueued: 4 },
      cooldown,
    },
  },
  {
    provider: "google",
    modelId: "gemini-soak-c",
    faultRate: 0.2,
    policy: { retry: { maxAttempts: 1 }, timeout: timers, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 300 }, cooldown },
  },
  {
    provider: "openai",
    modelId: "gpt-soak-d",
    faultRate: 0.1,
    policy: {
      retry: { maxAttempts: 2, initialDelayMs: 5, maxDelayMs: 50, maxRetryAfterMs: 100 },
      timeout: timers,
      breaker: false,
      cooldown,
    },
  },
];

/** The deadline of every soak request, in ms. */
export const soakDeadlineMs = 1_500;

/** Remembers which step answered which attempt of which model. */
export class SoakScripts {
  private readonly steps = new Map<string, SoakStep>();

  /** Scripts every soak model on `server`: each attempt draws a step (a fault at the model's rate). */
  install(server: FaultServer, seed: number): void {
    soakModels.forEach((model, index) => {
      const faults = fc.sample(wireStep, { seed: seed + index, numRuns: 1_000 });
      const healthy = fc.sample(
        fc.record({
          text: answerText,
          tokenDelayMs: fc.integer({ min: 0, max: 15 }),
          firstTokenDelayMs: fc.integer({ min: 0, max: 40 }),
        }),
        { seed: seed + 100 + index, numRuns: 1_000 },
      );
      const draws = fc.sample(fc.noBias(fc.integer({ min: 0, max: 999 })), { seed: seed + 200 + index, numRuns: 1_000 });
      server.script(model.modelId, (attempt) => {
        const i = (attempt - 1) % 1_000;
        const step = (draws[i] ?? 1_000) < model.faultRate * 1_000 ? (faults[i] as SoakStep) : (healthy[i] as SoakStep);
        this.steps.set(`${model.modelId}#${attempt}`, step);
        return step;
      });
    });
  }

  /** The step that answered `attempt` of `modelId`. */
  stepOf(modelId: string, attempt: number): SoakStep | undefined {
    return this.steps.get(`${modelId}#${attempt}`);
  }
}

/**
 * What the seed adds to the chain: a hedge on each model but the last (none,
 * a fixed delay, or a learned one), a learned first-token timer on each, and
 * the chain's hedge budget. Drawn from the seed apart from everything else, so
 * a seed replays the same chain, faults and requests.
 */
export interface SoakHedging {
  readonly hedges: readonly (HedgeOptions | undefined)[];
  readonly learnFirstToken: readonly (LearnedFirstTokenOptions | undefined)[];
  readonly hedging: HedgingOptions | undefined;
}

const soakHedge: fc.Arbitrary<HedgeOptions | undefined> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  // From below a healthy answer's first token (0–40 ms and the SDK's own time) to well past it.
  { weight: 2, arbitrary: fc.integer({ min: 5, max: 150 }).map((afterMs): HedgeOptions => ({ afterMs })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ minMs: fc.integer({ min: 5, max: 60 }), extraMs: fc.nat(300), minSamples: fc.integer({ min: 5, max: 30 }) })
      .map(({ minMs, extraMs, minSamples }): HedgeOptions => ({ afterMs: "learned", minMs, maxMs: minMs + extraMs, minSamples })),
  },
);

const soakLearnFirstToken: fc.Arbitrary<LearnedFirstTokenOptions | undefined> = fc.option(
  fc.record({
    multiplier: fc.double({ min: 1.5, max: 4, noNaN: true }),
    minMs: fc.integer({ min: 50, max: 200 }),
    minSamples: fc.integer({ min: 5, max: 30 }),
  }),
  { nil: undefined, freq: 2 },
);

const soakHedgingArbitrary: fc.Arbitrary<SoakHedging> = fc.record({
  hedges: fc.tuple(...soakModels.map((_, i) => (i < soakModels.length - 1 ? soakHedge : fc.constant(undefined)))),
  learnFirstToken: fc.tuple(...soakModels.map(() => soakLearnFirstToken)),
  hedging: fc.option(
    fc.record({
      maxShare: fc.double({ min: 0.05, max: 0.5, noNaN: true }),
      burst: fc.integer({ min: 1, max: 20 }),
      maxPerRequest: fc.integer({ min: 1, max: 3 }),
    }),
    { nil: undefined, freq: 5 },
  ),
});

/** The hedging the soak of `seed` runs with. */
export function soakHedging(seed: number): SoakHedging {
  return fc.sample(soakHedgingArbitrary, { seed: seed + 300, numRuns: 1 })[0] as SoakHedging;
}

/** The soak's chain entries' policies, with the seed's hedging added. */
function soakEntries(hedging: SoakHedging): (Omit<ModelEntry, "model"> & { readonly id: string })[] {
  return soakModels.map((m, i) => {
    const hedge = hedging.hedges[i];
    const learn = hedging.learnFirstToken[i];
    return {
      id: `${m.provider}:${m.modelId}`,
      ...m.policy,
      timeout: { ...m.policy.timeout, ...(learn ? { learnFirstToken: learn } : {}) },
      ...(hedge ? { hedge } : {}),
    };
  });
}

/** The facts the hedge checks need of the soak's chain. */
export function soakChainFacts(hedging: SoakHedging): ChainFacts {
  return chainFacts(
    soakEntries(hedging).map((entry) => ({
      id: entry.id,
      ...(entry.hedge === undefined ? {} : { hedge: entry.hedge }),
      ...(entry.timeout === undefined ? {} : { timeout: entry.timeout }),
      ...(entry.bulkhead === undefined ? {} : { bulkhead: entry.bulkhead }),
    })),
    hedging.hedging,
  );
}

/** One line for the report: each model's hedge and learned timer, and the budget. */
export function describeSoakHedging(hedging: SoakHedging): string {
  const models = soakModels.map((m, i) => {
    const hedge = hedging.hedges[i];
    const learn = hedging.learnFirstToken[i];
    const h = !hedge
      ? "no hedge"
      : hedge.afterMs === "learned"
        ? `hedge learned ${hedge.minMs}–${hedge.maxMs} ms after ${hedge.minSamples} calls`
        : `hedge after ${hedge.afterMs} ms`;
    const l = learn
      ? `, learns its first-token timer (×${(learn.multiplier ?? 3).toFixed(1)}, ≥ ${learn.minMs} ms, after ${learn.minSamples})`
      : "";
    return `${m.modelId}: ${h}${l}`;
  });
  const budget = hedging.hedging;
  const b = budget
    ? `budget ${budget.maxShare?.toFixed(2)} of requests, burst ${budget.burst}, ${budget.maxPerRequest} a request`
    : "default budget";
  return `${models.join("; ")}; ${b}`;
}

/** The soak's chain over real adapters pointed at `server`, each traced by `sources`. */
export function soakChain(
  server: FaultServer,
  apiKey: string,
  logLines: unknown[],
  ledger: HealthLedger,
  hedging: SoakHedging,
  sources: PartSources,
): Fallback {
  const entries = soakEntries(hedging);
  return createFallback({
    models: soakModels.map((m, i) => {
      const { id: _id, ...entry } = entries[i] as Omit<ModelEntry, "model"> & { readonly id: string };
      return { model: sources.wrap(wireModel(m.provider, m.modelId, server, apiKey, logLines), _id), ...entry };
    }),
    deadlineMs: soakDeadlineMs,
    healthStore: ledger,
    ...(hedging.hedging ? { hedging: hedging.hedging } : {}),
  });
}
