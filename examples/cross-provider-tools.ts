// Cross-provider tools: one request with tools and a tool-call history, answered by Claude when GPT is down.
import { anthropic } from "@understudy/anthropic";
import { type ChatMessage, createFallback, type ToolDefinition } from "@understudy/core";
import { openai } from "@understudy/openai";
import { FaultServer, faults } from "@understudy/testing";

const server = await FaultServer.start();
// GPT is overloaded; Claude asks for the weather in Lyon.
server.script("gpt-4.1", () => faults.overloaded());
server.script("claude-sonnet-4-6", [{ toolCalls: [{ name: "get_weather", args: { city: "Lyon" } }] }]);

try {
  const chat = createFallback({
    models: [
      { model: openai("gpt-4.1", { baseURL: server.openaiBaseURL, apiKey: "not-a-real-key" }), retry: { maxAttempts: 1 } },
      { model: anthropic("claude-sonnet-4-6", { baseURL: server.anthropicBaseURL, apiKey: "not-a-real-key" }) },
    ],
  });

  // #region tools
  // Tools, tool calls and tool results are written once, in the neutral format;
  // each adapter translates them to its provider's shape (OpenAI `tool_calls`
  // and `tool` messages, Anthropic `tool_use` and `tool_result` blocks).
  const getWeather: ToolDefinition = {
    name: "get_weather",
    description: "The current weather in a city",
    inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  };
  const history: ChatMessage[] = [
    { role: "user", content: "What's the weather in Paris, then in Lyon?" },
    { role: "assistant", content: [{ type: "tool-call", id: "call_1", name: "get_weather", args: { city: "Paris" } }] },
    { role: "tool", content: [{ type: "tool-result", toolCallId: "call_1", toolName: "get_weather", result: { celsius: 21 } }] },
  ];

  const result = await chat.generate({ messages: history, tools: [getWeather], maxTokens: 300 });
  for (const call of result.toolCalls) console.log(`${result.model} calls ${call.name}(${JSON.stringify(call.args)})`);
  // #endregion tools
  console.log(`fell over: ${result.fallbacks.map((change) => `${change.from} → ${change.to} (${change.reason})`).join(", ")}`);

  // What Claude received: the OpenAI-style history, translated to Anthropic's wire format.
  const sent = server.requestsFor("claude-sonnet-4-6")[0]?.body as { messages: { role: string; content: unknown }[] };
  for (const message of sent.messages) console.log(`  sent to Claude: ${message.role} ${JSON.stringify(message.content)}`);
} finally {
  await server.close();
}
