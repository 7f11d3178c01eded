import { createFallback } from "ai-fallback";
import type { System } from "../contender.ts";
import { aiSdkContender, aiSdkModels } from "./ai-sdk-models.ts";

/**
 * The AI SDK with `ai-fallback`. It keeps one "current model" index per
 * fallback object: after an error every caller moves to the next model, and
 * back to the primary after `modelResetInterval`.
 */
export const aiSdkFallback: System = {
  name: "AI SDK + ai-fallback",
  packages: ["ai", "@ai-sdk/openai", "ai-fallback"],
  fallback: true,
  breaker: {
    has: true,
    how: "no breaker; one shared current-model index, reset to the primary after `modelResetInterval` (set to the half-open interval)",
  },
  midStream: "`retryAfterOutput` (default true): the next model's answer is appended to what was already streamed",
  async create(setup) {
    const { primary, backup } = aiSdkModels(setup);
    // Without a breaker in the budget, every request starts at the primary again.
    const resetInterval = setup.breaker?.halfOpenAfterMs ?? 0;
    return aiSdkContender(createFallback({ models: [primary, backup], modelResetInterval: resetInterval }));
  },
};
