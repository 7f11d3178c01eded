import { boundedDelayMs } from "../adapter-kit/retry-after.ts";

/**
 * A delay a provider asked for (Retry-After, a rate-limit reset), made safe
 * to act on: `undefined` when it is not a finite number ≥ 0, else whole ms,
 * at most `maxMs`. Adapters sanitise what they parse; the engine does it
 * again because any adapter, a user's own included, may pass on a
 * `retry-after: 999999999` that would bench a model for decades.
 */
export function providerDelay(ms: number | undefined, maxMs: number): number | undefined {
  const bounded = typeof ms === "number" ? boundedDelayMs(ms) : undefined;
  return bounded === undefined ? undefined : Math.min(bounded, maxMs);
}
