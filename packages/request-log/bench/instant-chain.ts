import { createFallback, type Fallback } from "@understudy/core";
import type { ChatResponse, ModelAdapter, StreamPart } from "@understudy/core/adapter";

const answer: ChatResponse = {
  text: "An answer of a few words, as a short reply would be.",
  toolCalls: [],
  finishReason: "stop",
  usage: { inputTokens: 120, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 14, reasoningTokens: 0, estimated: false },
};

/** A model that answers at once (or after `delayMs`), so that the engine and the log are measured, not a network. */
function instantModel(modelId: string, delayMs: number): ModelAdapter {
  return {
    provider: "bench",
    modelId,
    async generate() {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return answer;
    },
    async *stream(): AsyncGenerator<StreamPart> {
      yield { type: "text-delta", text: answer.text };
      yield { type: "finish", finishReason: "stop", usage: answer.usage };
    },
  };
}

/** A two-model chain, priced, whose primary answers: the happy path every request of a healthy app takes. */
export function instantChain(delayMs = 0): Fallback {
  return createFallback({
    models: [
      { model: instantModel("primary", delayMs), price: { inputPerMillion: 3, outputPerMillion: 15 } },
      { model: instantModel("backup", delayMs), price: { inputPerMillion: 1, outputPerMillion: 2 } },
    ],
  });
}

/** The request every bench call sends. */
export const benchRequest = {
  system: "You answer support questions about a bicycle shop, briefly.",
  messages: [{ role: "user" as const, content: "Do you repair carbon frames, and how long does it take?" }],
};
