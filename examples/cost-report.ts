// Cost report: what each answer cost, and what failed attempts wasted, per model, from the result's own figures.
import { createFallback, type FallbackResult } from "@understudy/core";
import { openai } from "@understudy/openai";
import { FaultServer, faults } from "@understudy/testing";

const server = await FaultServer.start();
const text = "A long answer that goes on for a while, ".repeat(10);
// The primary dies after 20 tokens of every other stream (tokens a provider may still bill); the backup answers.
server.script("gpt-4.1", (attempt) => (attempt % 2 === 0 ? { ...faults.midStreamError("server", 20), text } : { text }));
server.script("gpt-4.1-mini", () => ({ text }));

try {
  // #region prices
  const chat = createFallback({
    models: [
      {
        model: openai("gpt-4.1", { baseURL: server.openaiBaseURL, apiKey: "not-a-real-key" }),
        retry: { maxAttempts: 1 },
        price: { inputPerMillion: 2, outputPerMillion: 8, cachedInputPerMillion: 0.5 },
      },
      {
        model: openai("gpt-4.1-mini", { baseURL: server.openaiBaseURL, apiKey: "not-a-real-key" }),
        price: { inputPerMillion: 0.4, outputPerMillion: 1.6, cachedInputPerMillion: 0.1 },
      },
    ],
    midStream: "restart",
  });
  // #endregion prices

  const results: FallbackResult[] = [];
  for (let i = 0; i < 6; i++) {
    const stream = chat.stream({ messages: [{ role: "user", content: `Request ${i + 1}` }], maxTokens: 500 });
    for await (const _part of stream);
    results.push(await stream.result);
  }

  // #region report
  const byModel = new Map<string, { answers: number; cost: number }>();
  let wasted = 0;
  for (const result of results) {
    const row = byModel.get(result.model) ?? { answers: 0, cost: 0 };
    byModel.set(result.model, { answers: row.answers + 1, cost: row.cost + result.cost.answer });
    wasted += result.cost.wasted;
  }
  for (const [model, row] of byModel) console.log(`${model}: ${row.answers} answers, $${row.cost.toFixed(6)}`);
  console.log(`wasted on failed attempts: $${wasted.toFixed(6)}`);
  const complete = results.every((result) => result.cost.complete);
  console.log(complete ? "every model that used tokens has a price" : "some usage has no price: figures are low");
  // #endregion report
} finally {
  await server.close();
}
