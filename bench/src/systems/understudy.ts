import { createFallback, type Fallback, type ModelPolicyOptions } from "@understudy/core";
import { openai } from "@understudy/openai";
import { budget } from "../budget.ts";
import type { ChainSetup, Contender, System } from "../contender.ts";
import { openaiClient } from "../openai-calls.ts";

/** The budget as understudy options. */
export function understudyPolicies(setup: ChainSetup): ModelPolicyOptions {
  return {
    retry: { maxAttempts: budget.attemptsPerModel },
    timeout: { attemptMs: budget.attemptTimeoutMs },
    breaker: setup.breaker
      ? { consecutiveFailures: setup.breaker.failures, halfOpenAfterMs: setup.breaker.halfOpenAfterMs }
      : false,
  };
}

/** The chain of the understudy row: two `@understudy/openai` models under the budget. */
export function understudyChain(setup: ChainSetup): Fallback {
  const client = openaiClient(setup.endpoint);
  return createFallback({
    models: [{ model: openai(setup.primary, { client }) }, { model: openai(setup.backup, { client }) }],
    defaults: understudyPolicies(setup),
  });
}

/** Calls an understudy chain the way the harness calls every system. */
export function understudyContender(chat: Fallback): Contender {
  const request = (prompt: string) => ({ messages: [{ role: "user" as const, content: prompt }], maxTokens: budget.maxTokens });
  return {
    generate: async (prompt) => (await chat.generate(request(prompt))).text,
    async stream(prompt, onFirstText) {
      let text = "";
      for await (const part of chat.stream(request(prompt))) {
        if (part.type !== "text-delta") continue;
        if (text === "") onFirstText();
        text += part.text;
      }
      return text;
    },
  };
}

/** understudy: a two-model chain over the `@understudy/openai` adapter. */
export const understudy: System = {
  name: "understudy",
  packages: ["@understudy/core", "@understudy/openai"],
  fallback: true,
  breaker: { has: true, how: "per-model breaker (consecutive failures), one probe per half-open interval" },
  midStream: "invisible failover before the first text; after it a typed `StreamInterruptedError` (or `restart`)",
  async create(setup) {
    return understudyContender(understudyChain(setup));
  },
};
