import { aiSdk, asLanguageModel } from "@understudy/ai-sdk";
import { createFallback } from "@understudy/core";
import { budget } from "../budget.ts";
import type { System } from "../contender.ts";
import { aiSdkContender, aiSdkModels } from "./ai-sdk-models.ts";
import { understudyPolicies } from "./understudy.ts";

/**
 * The AI SDK with understudy as its resilience layer: the same `@ai-sdk/openai`
 * chat models as the ai-retry and ai-fallback rows, each made a model of an
 * understudy chain with `aiSdk`, and the chain handed back to `ai` with
 * `asLanguageModel`. Only the layer between `ai` and the provider differs.
 */
export const aiSdkUnderstudy: System = {
  name: "AI SDK + understudy",
  packages: ["ai", "@ai-sdk/openai", "@understudy/ai-sdk", "@understudy/core"],
  fallback: true,
  breaker: { has: true, how: "per-model breaker (consecutive failures), one probe per half-open interval" },
  midStream:
    "invisible failover before the first text; after it an `error` part and no finish: `ai` reports an `APICallError` (the `StreamInterruptedError` as its cause)",
  async create(setup) {
    const { primary, backup } = aiSdkModels(setup);
    // The adapter cannot read the key back from the AI SDK model: its docs ask for it, to redact.
    const adapter = { secrets: [budget.apiKey] };
    const chain = createFallback({
      models: [{ model: aiSdk(primary, adapter) }, { model: aiSdk(backup, adapter) }],
      defaults: understudyPolicies(setup),
    });
    return aiSdkContender(asLanguageModel(chain));
  },
};
