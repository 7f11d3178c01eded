import { anthropic } from "@understudy/anthropic";
import { type ChatRequest, createFallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import { faults } from "@understudy/testing";
import { useFaultServer } from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";

// The headline: one request with tools and a tool-result history, answered by
// whichever provider is up, through both real SDKs.
const server = useFaultServer();
const weather = {
  name: "get_weather",
  description: "Current weather",
  inputSchema: { type: "object", properties: { city: { type: "string" } } },
};
const request: ChatRequest = {
  system: "Answer with the tools you have.",
  messages: [
    { role: "user", content: "Weather in Paris, then Lyon?" },
    { role: "assistant", content: [{ type: "tool-call", id: "call_paris", name: "get_weather", args: { city: "Paris" } }] },
    {
      role: "tool",
      content: [{ type: "tool-result", toolCallId: "call_paris", toolName: "get_weather", result: { celsius: 21 } }],
    },
  ],
  tools: [weather],
  maxTokens: 300,
};
const lyonCall = { toolCalls: [{ name: "get_weather", args: { city: "Lyon" } }] };

function chains() {
  const claude = anthropic("claude-primary", { apiKey: "test", baseURL: server().anthropicBaseURL });
  const gpt = openai("gpt-primary", { apiKey: "test", baseURL: server().openaiBaseURL });
  return {
    anthropicFirst: createFallback({ models: [{ model: claude, retry: { maxAttempts: 2, initialDelayMs: 1 } }, { model: gpt }] }),
    openaiFirst: createFallback({ models: [{ model: gpt, retry: { maxAttempts: 2, initialDelayMs: 1 } }, { model: claude }] }),
  };
}

describe("cross-provider fallback with tools", () => {
  it("Anthropic primary overloaded (529): OpenAI answers the same request with a tool call", async () => {
    server().script("claude-primary", [faults.overloaded(), faults.overloaded()]).script("gpt-primary", [lyonCall]);
    const result = await chains().anthropicFirst.generate(request);
    expect(result.model).toBe("openai:gpt-primary");
    expect(result.toolCalls).toMatchObject([{ name: "get_weather", args: { city: "Lyon" } }]);
    expect(result.fallbacks).toEqual([{ from: "anthropic:claude-primary", to: "openai:gpt-primary", reason: "overloaded" }]);
    expect(
      server()
        .requestsFor("claude-primary")
        .map((r) => r.status),
    ).toEqual([529, 529]);
    const sent = server().requestsFor("gpt-primary")[0]?.body;
    expect(sent).toMatchObject({
      messages: [
        { role: "system" },
        { role: "user" },
        { role: "assistant", tool_calls: [{ id: "call_paris" }] },
        { role: "tool", tool_call_id: "call_paris", content: '{"celsius":21}' },
      ],
      tools: [{ type: "function", function: { name: "get_weather" } }],
    });
  });

  it("OpenAI primary overloaded (503): Anthropic answers the same request with tool use, streamed", async () => {
    server().script("gpt-primary", [faults.overloaded(), faults.overloaded()]).script("claude-primary", [lyonCall]);
    const stream = chains().openaiFirst.stream(request);
    const types: string[] = [];
    for await (const part of stream) types.push(part.type);
    expect(types).toContain("tool-call");
    expect(types).not.toContain("reset");
    const result = await stream.result;
    expect(result.model).toBe("anthropic:claude-primary");
    expect(result.toolCalls).toMatchObject([{ name: "get_weather", args: { city: "Lyon" } }]);
    const sent = server().requestsFor("claude-primary")[0]?.body;
    expect(sent).toMatchObject({
      system: "Answer with the tools you have.",
      messages: [
        { role: "user" },
        { role: "assistant", content: [{ type: "tool_use", id: "call_paris" }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "call_paris" }] },
      ],
      tools: [{ name: "get_weather", input_schema: weather.inputSchema }],
    });
  });
});
