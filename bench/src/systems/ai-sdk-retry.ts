import { createRetryableModel } from "ai-retry/language-model";
import type { System } from "../contender.ts";
import { aiSdkContender, aiSdkModels } from "./ai-sdk-models.ts";

/** The AI SDK with `ai-retry`: the backup as the catch-all fallback of the primary. */
export const aiSdkRetry: System = {
  name: "AI SDK + ai-retry",
  packages: ["ai", "@ai-sdk/openai", "ai-retry"],
  fallback: true,
  breaker: { has: false, how: "no breaker: every request tries the primary first" },
  midStream: "fallback before the first content chunk; an error after it propagates",
  async create(setup) {
    const { primary, backup } = aiSdkModels(setup);
    return aiSdkContender(createRetryableModel({ model: primary, retries: [backup] }));
  },
};
