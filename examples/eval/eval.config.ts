// The eval of examples/eval-fallback-path.ts, as `understudy eval` loads it: a three-provider chain on the fault server.
import { anthropic } from "@understudy/anthropic";
import { createFallback, type ModelPrice } from "@understudy/core";
import { checks, defineEval, loadPrompts } from "@understudy/eval";
import { google } from "@understudy/google";
import { openai } from "@understudy/openai";
import { FaultServer, type FaultStep, faults, type ScriptedRequest } from "@understudy/testing";

// Offline: a fault server speaks each provider's wire format, and each model answers as scripted.
const server = await FaultServer.start();

const order = { customer: "Ana", item: "blue mug", quantity: 2 };
const policy = "Yes: returns are accepted within 60 days, so at 40 days you can still return it. Our policy used to be 30 days.";
/** How the primary answers: every check passes. */
const primary = (request: ScriptedRequest): FaultStep => {
  if (request.wantsJson) return { text: JSON.stringify(order) };
  if (request.tools.includes("get_weather")) return { toolCalls: [{ name: "get_weather", args: { city: "Lyon" } }] };
  if (request.lastUserText.includes("capital")) return { text: "The capital of France is Paris." };
  if (request.lastUserText.includes("return")) return { text: policy };
  return { text: "Hello from the shop: new mugs are in, come and see them!" };
};
const paced = (step: FaultStep): FaultStep => ({ tokenDelayMs: 2, ...step });

server.script("claude-sonnet-4-6", (_attempt, request) => paced(primary(request)));
// The first backup breaks the JSON schema: a quantity in words, and a field the schema does not allow.
server.script("gpt-4.1-mini", (_attempt, request) =>
  paced(
    request.wantsJson ? { text: '{"customer": "Ana", "item": "blue mug", "quantity": "two", "note": ""}' } : primary(request),
  ),
);
// The last resort skips the tool call (it answers in words) and refuses the returns question.
server.script(
  "gemini-2.5-flash",
  faults.byPrompt(
    [
      { when: (request) => request.tools.includes("get_weather"), step: paced({ text: "Take an umbrella, just in case." }) },
      { when: /return/, step: paced({ text: "I'm sorry, but I can't help with questions about purchases." }) },
    ],
    (_attempt, request) => paced(primary(request)),
  ),
);
// The judge grades refusals low and everything else high.
server.script(
  "gpt-4.1",
  faults.byPrompt([{ when: /<answer>\s*I'm sorry/, step: { text: '{"score": 0.1, "reason": "it refuses"}' } }], {
    text: '{"score": 0.9, "reason": "it answers"}',
  }),
);

const key = "not-a-real-key";
const prices: Record<string, ModelPrice> = {
  claude: { inputPerMillion: 3, outputPerMillion: 15 },
  gpt: { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  gemini: { inputPerMillion: 0.3, outputPerMillion: 2.5 },
};
const chain = createFallback({
  models: [
    {
      id: "claude",
      model: anthropic("claude-sonnet-4-6", { apiKey: key, baseURL: server.anthropicBaseURL }),
      price: prices.claude,
    },
    { id: "gpt", model: openai("gpt-4.1-mini", { apiKey: key, baseURL: server.openaiBaseURL }), price: prices.gpt },
    { id: "gemini", model: google("gemini-2.5-flash", { apiKey: key, baseURL: server.geminiBaseURL }), price: prices.gemini },
  ],
  defaults: { retry: { maxAttempts: 2, initialDelayMs: 20 } },
});
// The command closes the chain when it is done; the server goes with it.
chain.onClose(() => server.close());

export default defineEval({
  name: "shop-assistant",
  chain,
  prompts: await loadPrompts(new URL("./prompts.jsonl", import.meta.url)),
  checks: [
    checks.judge({
      judge: openai("gpt-4.1", { apiKey: key, baseURL: server.openaiBaseURL }),
      rubric: "The answer helps the customer with what they asked, and does not refuse.",
      min: 0.5,
    }),
  ],
  prices,
  thresholds: { gpt: 0.8 },
  concurrency: 4,
  maxCost: 0.5,
});
