// Custom cockatiel policy: one concurrency limit for an API key that two chains share, composed with a cockatiel timeout.
import { createFallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import { FaultServer } from "@understudy/testing";
import { bulkhead, TimeoutStrategy, timeout, wrap } from "cockatiel";

const server = await FaultServer.start();
// Every answer takes 200 ms, so calls overlap.
for (const model of ["gpt-4.1", "gpt-4.1-mini"]) server.script(model, () => ({ delayMs: 200 }));

try {
  // #region policy
  // A chain's own `bulkhead` option limits that chain. Your account's limit on
  // gpt-4.1 is shared by every chain that calls it: give them one cockatiel
  // policy object. Calls it refuses fall over to the next model.
  const gpt41Account = wrap(bulkhead(1), timeout(10_000, TimeoutStrategy.Cooperative));

  const gpt41 = openai("gpt-4.1", { baseURL: server.openaiBaseURL, apiKey: "not-a-real-key" });
  const mini = openai("gpt-4.1-mini", { baseURL: server.openaiBaseURL, apiKey: "not-a-real-key" });
  const assistant = createFallback({ models: [{ model: gpt41, policy: gpt41Account }, { model: mini }] });
  const summarizer = createFallback({ models: [{ model: gpt41, policy: gpt41Account }, { model: mini }] });
  // #endregion policy

  const request = { messages: [{ role: "user" as const, content: "Hello" }], maxTokens: 50 };
  const [first, second] = await Promise.all([assistant.generate(request), summarizer.generate(request)]);
  console.log(`assistant answered with ${first.model}`);
  console.log(`summarizer answered with ${second.model} (${second.attempts[0]?.message})`);
  console.log(`calls gpt-4.1 saw: ${server.requestsFor("gpt-4.1").length}`);
} finally {
  await server.close();
}
