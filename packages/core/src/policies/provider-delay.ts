import { boundedDelayMs } from "../adapter-kit/retry-after.ts";

/**
 * The delay a provider asked for (Retry-After, a rate-limit reset), made safe
 * to compare: `undefined` when it is not a finite number ≥ 0, else whole ms.
 * Adapters sanitise what they parse; the engine does it again because any
 * adapter, a user's own included, may pass on anything. What it is then
 * compared with, and capped by, is the engine's: `retry.maxRetryAfterMs`
 * decides whether to wait, `cooldown.maxMs` bounds the cooldown.
 */
export function providerDelay(ms: number | undefined): number | undefined {
  return typeof ms === "number" ? boundedDelayMs(ms) : undefined;
}
