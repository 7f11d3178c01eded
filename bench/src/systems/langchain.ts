import { ChatOpenAI } from "@langchain/openai";
import { budget } from "../budget.ts";
import type { ChainSetup, System } from "../contender.ts";

function chatModel(setup: ChainSetup, model: string): ChatOpenAI {
  return new ChatOpenAI({
    model,
    apiKey: budget.apiKey,
    maxTokens: budget.maxTokens,
    // LangChain's AsyncCaller retries 6 times by default; the budget is none.
    maxRetries: 0,
    timeout: budget.attemptTimeoutMs,
    configuration: {
      baseURL: setup.endpoint.baseURL,
      ...(setup.endpoint.fetch ? { fetch: setup.endpoint.fetch } : {}),
    },
  });
}

function textOf(content: unknown): string {
  return typeof content === "string" ? content : JSON.stringify(content);
}

/** LangChain.js: `ChatOpenAI(primary).withFallbacks([ChatOpenAI(backup)])`, a `RunnableWithFallbacks`. */
export const langchain: System = {
  name: "LangChain RunnableWithFallbacks",
  packages: ["@langchain/core", "@langchain/openai"],
  fallback: true,
  breaker: { has: false, how: "no breaker: every request tries the primary first" },
  midStream: "fallback only while the stream is created; a cut after that reaches the caller as the SDK reports it",
  async create(setup) {
    const chain = chatModel(setup, setup.primary).withFallbacks([chatModel(setup, setup.backup)]);
    return {
      generate: async (prompt) => textOf((await chain.invoke(prompt)).content),
      async stream(prompt, onFirstText) {
        let text = "";
        for await (const chunk of await chain.stream(prompt)) {
          const delta = textOf(chunk.content);
          if (delta === "") continue;
          if (text === "") onFirstText();
          text += delta;
        }
        return text;
      },
    };
  },
};
