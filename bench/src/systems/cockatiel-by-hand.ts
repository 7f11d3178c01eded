import { ConsecutiveBreaker, circuitBreaker, handleAll, type IPolicy, noop, TimeoutStrategy, timeout, wrap } from "cockatiel";
import type OpenAI from "openai";
import { budget } from "../budget.ts";
import type { ChainSetup, System } from "../contender.ts";
import { completeText, openaiClient, openStream, readText } from "../openai-calls.ts";

function modelPolicy(setup: ChainSetup): IPolicy {
  const attemptTimer = timeout(budget.attemptTimeoutMs, TimeoutStrategy.Aggressive);
  if (!setup.breaker) return wrap(noop, attemptTimer);
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: setup.breaker.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(setup.breaker.failures),
  });
  return wrap(breaker, attemptTimer);
}

/**
 * What a careful user writes by hand: per model, a cockatiel breaker and
 * timeout around the openai SDK call, and a try/catch that moves to the
 * backup on any failure.
 */
export const cockatielByHand: System = {
  name: "cockatiel by hand",
  packages: ["cockatiel", "openai"],
  fallback: true,
  breaker: { has: true, how: "cockatiel `circuitBreaker` (ConsecutiveBreaker), one probe per half-open interval" },
  midStream:
    "none: the policies cover the call until the stream opens; a cut after that reaches the caller as the SDK reports it",
  async create(setup) {
    const client = openaiClient(setup.endpoint);
    const models = [setup.primary, setup.backup].map((model) => ({ model, policy: modelPolicy(setup) }));
    async function firstThatAnswers<T>(call: (client: OpenAI, model: string) => Promise<T>): Promise<T> {
      let lastError: unknown;
      for (const { model, policy } of models) {
        try {
          return await policy.execute(() => call(client, model));
        } catch (error) {
          lastError = error;
        }
      }
      throw lastError;
    }
    return {
      generate: (prompt) => firstThatAnswers((c, model) => completeText(c, model, prompt)),
      async stream(prompt, onFirstText) {
        return readText(await firstThatAnswers((c, model) => openStream(c, model, prompt)), onFirstText);
      },
    };
  },
};
