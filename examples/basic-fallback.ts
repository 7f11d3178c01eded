// Basic fallback: Claude is overloaded (529), so GPT answers the same request through the real SDKs.
import { anthropic } from "@understudy/anthropic";
import { createFallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import { FaultServer, faults } from "@understudy/testing";

// A local server speaking both providers' wire formats stands in for them: no keys needed.
const server = await FaultServer.start();
server.script("claude-sonnet-4-6", () => faults.overloaded());

try {
  // #region chain
  // With real providers, drop `baseURL` and `apiKey`: the SDKs read ANTHROPIC_API_KEY and OPENAI_API_KEY.
  const chat = createFallback({
    models: [
      { model: anthropic("claude-sonnet-4-6", { baseURL: server.anthropicBaseURL, apiKey: "not-a-real-key" }) },
      { model: openai("gpt-4.1-mini", { baseURL: server.openaiBaseURL, apiKey: "not-a-real-key" }) },
    ],
    defaults: { retry: { maxAttempts: 2 } },
    deadlineMs: 30_000,
  });

  const result = await chat.generate({
    system: "You are terse.",
    messages: [{ role: "user", content: "Name one moon of Jupiter." }],
    maxTokens: 100,
  });

  console.log(`answer: ${result.text}`);
  console.log(`answered by ${result.model} in ${result.durationMs} ms`);
  for (const attempt of result.attempts) {
    const failure = attempt.kind ? ` (${attempt.kind}, HTTP ${attempt.status ?? "none"})` : "";
    console.log(`  ${attempt.model} call ${attempt.attempt}: ${attempt.outcome}${failure}`);
  }
  for (const change of result.fallbacks) console.log(`  fell over ${change.from} → ${change.to} because: ${change.reason}`);
  // #endregion chain
} finally {
  await server.close();
}
