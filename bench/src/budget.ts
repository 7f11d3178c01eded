import type { BreakerBudget } from "./contender.ts";

/**
 * The budget every system gets, the same for all and stated in RESULTS.md:
 * one fallback model, no retry of the same model (each fails over on the
 * first retryable failure), one attempt timer, and, where a system has a
 * breaker, the same breaker.
 */
export const budget = {
  /** The prompt of every request. */
  prompt: "Name one moon of Jupiter.",
  /** `max_tokens` of every request. */
  maxTokens: 64,
  /** Calls to one model per request: 1, so no same-model retry. */
  attemptsPerModel: 1,
  /** Per-attempt timer, where a system has one, in ms. */
  attemptTimeoutMs: 30_000,
  /** The API key the fault server is sent (it checks none). */
  apiKey: "sk-bench-not-a-real-key",
} as const;

/** The breaker of the outage scenario, scaled to its length: 12 half-open intervals per outage. */
export function outageBreaker(outageMs: number): BreakerBudget {
  return { failures: 5, halfOpenAfterMs: Math.max(100, Math.round(outageMs / 12)) };
}

/** The budget as RESULTS.md states it. */
export function budgetText(outageMs: number): string {
  const breaker = outageBreaker(outageMs);
  return [
    "Every system gets the same budget:",
    "",
    "- **one fallback**: a chain of two models, `primary` then `backup`;",
    `- **no same-model retry**: ${budget.attemptsPerModel} call per model (understudy \`retry.maxAttempts: 1\`, LangChain \`maxRetries: 0\` — its caller would retry 6 times by default —, AI SDK \`maxRetries: 0\`, Portkey \`retry.attempts: 0\`, openai SDK \`maxRetries: 0\`);`,
    `- **one attempt timer of ${budget.attemptTimeoutMs / 1000} s** where a system has one per attempt (understudy \`timeout.attemptMs\`, in the AI SDK + understudy row too, cockatiel \`timeout\`, LangChain \`timeout\`, Portkey \`request_timeout\`, openai SDK \`timeout\`). The ai-retry and ai-fallback rows set none: a call-level \`timeout\` there stops fallbacks (ai-retry's README);`,
    `- **breaker, where a system has one**: off, except in the outage scenario, where it opens after ${breaker.failures} consecutive failures and lets one probe through every ${breaker.halfOpenAfterMs} ms (outage length / 12). ai-fallback's \`modelResetInterval\` (back to the primary after that long) is set to the same interval.`,
    `- every request: one user message, \`max_tokens: ${budget.maxTokens}\`.`,
  ].join("\n");
}
