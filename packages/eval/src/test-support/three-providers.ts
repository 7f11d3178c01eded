import { anthropic } from "@understudy/anthropic";
import { createFallback, type Fallback } from "@understudy/core";
import { google } from "@understudy/google";
import { openai } from "@understudy/openai";
import { FaultServer, type FaultStep, faults, type ScriptedRequest } from "@understudy/testing";
import type { EvalPrompt } from "../suite/eval-prompt.ts";

/** A prompt set of three kinds: a JSON answer, a tool call, and plain text. */
export const threePrompts: EvalPrompt[] = [
  {
    id: "order",
    request: {
      messages: [{ role: "user", content: "Extract the order: Ana wants 2 mugs." }],
      responseFormat: {
        type: "json",
        schema: {
          type: "object",
          properties: { customer: { type: "string" }, quantity: { type: "integer" } },
          required: ["customer", "quantity"],
          additionalProperties: false,
        },
      },
      maxTokens: 100,
    },
  },
  {
    id: "weather",
    request: {
      messages: [{ role: "user", content: "Umbrella in Lyon today?" }],
      tools: [
        { name: "get_weather", inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      ],
      maxTokens: 100,
    },
  },
  { id: "returns", request: { messages: [{ role: "user", content: "Can I return a mug after 40 days?" }], maxTokens: 100 } },
];

const good = (request: ScriptedRequest): FaultStep => {
  if (request.wantsJson) return { text: '{"customer": "Ana", "quantity": 2}' };
  if (request.tools.includes("get_weather")) return { toolCalls: [{ name: "get_weather", args: { city: "Lyon" } }] };
  return { text: "Yes, returns are accepted within 60 days." };
};

/**
 * A fault server and a chain of the three real adapters on it: Claude answers
 * everything well; GPT breaks the JSON schema; Gemini skips the tool call and
 * refuses the returns question (a SAFETY finish, which the adapter surfaces
 * as a `content_filter` failure).
 */
export async function threeProviderChain(): Promise<{ server: FaultServer; chain: Fallback }> {
  const server = await FaultServer.start();
  const paced = (step: FaultStep): FaultStep => ({ firstTokenDelayMs: 5, tokenDelayMs: 1, ...step });
  server.script("claude-sonnet-4-6", (_attempt, request) => paced(good(request)));
  server.script(
    "gpt-4.1-mini",
    faults.byPrompt(
      [{ when: (request) => request.wantsJson, step: paced({ text: '{"customer": "Ana", "quantity": "two"}' }) }],
      (_a, r) => paced(good(r)),
    ),
  );
  server.script(
    "gemini-2.5-flash",
    faults.byPrompt(
      [
        { when: (request) => request.tools.length > 0, step: paced({ text: "Take an umbrella." }) },
        { when: /return/, step: { text: "", finishReason: "content-filter" } },
      ],
      (_a, r) => paced(good(r)),
    ),
  );
  const key = "not-a-real-key";
  const chain = createFallback({
    models: [
      {
        id: "claude",
        model: anthropic("claude-sonnet-4-6", { apiKey: key, baseURL: server.anthropicBaseURL }),
        price: { inputPerMillion: 3, outputPerMillion: 15 },
      },
      {
        id: "gpt",
        model: openai("gpt-4.1-mini", { apiKey: key, baseURL: server.openaiBaseURL }),
        price: { inputPerMillion: 0.4, outputPerMillion: 1.6 },
      },
      { id: "gemini", model: google("gemini-2.5-flash", { apiKey: key, baseURL: server.geminiBaseURL }) },
    ],
  });
  chain.onClose(() => server.close());
  return { server, chain };
}
