import { createFallback, type Fallback, type ModelEntry } from "@understudy/core";
import type { FaultServer, FaultStep } from "@understudy/testing";
import fc from "fast-check";
import { wireStep } from "../arbitraries/fault-step.ts";
import { answerText } from "../arbitraries/scripted-step.ts";
import type { HealthLedger } from "../harness/health-ledger.ts";
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

/** The soak's chain over real adapters pointed at `server`. */
export function soakChain(server: FaultServer, apiKey: string, logLines: unknown[], ledger: HealthLedger): Fallback {
  return createFallback({
    models: soakModels.map((m) => ({ model: wireModel(m.provider, m.modelId, server, apiKey, logLines), ...m.policy })),
    deadlineMs: soakDeadlineMs,
    healthStore: ledger,
  });
}
