import { createFallback, type Fallback, type HedgeOptions, type TimeoutOptions } from "@understudy/core";
import { openai } from "@understudy/openai";
import type { ChainSetup } from "../contender.ts";
import { openaiClient } from "../openai-calls.ts";
import { understudyPolicies } from "./understudy.ts";

/** One setting of the understudy row in the hedging scenario: what it adds to the row's chain. */
export interface HedgingVariant {
  /** The name in tables. */
  readonly name: string;
  /** Its setting, as the table states it. */
  readonly how: string;
  /** The primary's hedge, if any. */
  readonly hedge?: HedgeOptions;
  /** Timer settings added to the budget's `attemptMs`, on both models. */
  readonly timeout?: TimeoutOptions;
}

/** The fixed hedge delay: well above the primary's usual first token (100–200 ms), far below its slow one (2–3 s). */
export const fixedHedgeMs = 500;

/**
 * The understudy row four times: as every other scenario runs it (a 20 s
 * first-token timer, no hedge), with a fixed and a learned hedge to the
 * backup, and with a learned first-token timer alone. The chain's hedge
 * budget stays at its defaults (a tenth of requests, bursts of 10): what a
 * user who only turns `hedge` on gets.
 */
export const hedgingVariants: readonly HedgingVariant[] = [
  { name: "understudy, hedging off", how: "defaults: first-token timer 20 s, no hedge" },
  {
    name: `understudy, hedge after ${fixedHedgeMs} ms`,
    how: `primary \`hedge: { afterMs: ${fixedHedgeMs} }\`, default \`hedging\` budget`,
    hedge: { afterMs: fixedHedgeMs },
  },
  {
    name: "understudy, hedge after learned p95",
    how: 'primary `hedge: { afterMs: "learned" }` (p95 of its first tokens, 250 ms–5 s, after 20 samples), default `hedging` budget',
    hedge: { afterMs: "learned" },
  },
  {
    name: "understudy, learned first-token timer",
    how: "`timeout: { learnFirstToken: true }` (3 × the p99 of its first tokens, 2 s–20 s, after 20 samples), no hedge",
    timeout: { learnFirstToken: true },
  },
];

/** The understudy row's chain under the budget, with `variant`'s hedge on the primary and its timers on both models. */
export function hedgingChain(setup: ChainSetup, variant: HedgingVariant): Fallback {
  const client = openaiClient(setup.endpoint);
  const policies = understudyPolicies(setup);
  return createFallback({
    models: [
      { model: openai(setup.primary, { client }), ...(variant.hedge ? { hedge: variant.hedge } : {}) },
      { model: openai(setup.backup, { client }) },
    ],
    defaults: { ...policies, timeout: { ...policies.timeout, ...variant.timeout } },
  });
}
