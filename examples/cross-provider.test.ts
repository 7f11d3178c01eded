import { anthropic } from "@understudy/anthropic";
import { assistantMessageOf, type ChatRequest, createFallback } from "@understudy/core";
import { google } from "@understudy/google";
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

describe("three providers: Claude, Gemini and GPT in one chain, with tools", () => {
  const threeWay = () =>
    createFallback({
      models: [
        { model: anthropic("claude-primary", { apiKey: "test", baseURL: server().anthropicBaseURL }), retry: { maxAttempts: 1 } },
        { model: google("gemini-second", { apiKey: "test", baseURL: server().geminiBaseURL }), retry: { maxAttempts: 1 } },
        { model: openai("gpt-last", { apiKey: "test", baseURL: server().openaiBaseURL }) },
      ],
    });

  it("Claude 529 → Gemini answers with a function call; the history Claude's call made reaches Gemini in its own format", async () => {
    server().script("claude-primary", [faults.overloaded()]).script("gemini-second", [lyonCall]);
    const result = await threeWay().generate(request);

    expect(result.model).toBe("google:gemini-second");
    expect(result.fallbacks).toEqual([{ from: "anthropic:claude-primary", to: "google:gemini-second", reason: "overloaded" }]);
    expect(result.toolCalls).toMatchObject([{ name: "get_weather", args: { city: "Lyon" } }]);
    // Gemini 3 wants its signature back on the next turn: the call carries it for `assistantMessageOf`,
    // with the model (and endpoint) that issued it, to which alone it goes back.
    expect(result.toolCalls[0]?.providerMetadata).toEqual({
      google: { thoughtSignature: expect.any(String), signedBy: "gemini-second", endpoint: expect.any(String) },
    });
    const sent = server().requestsFor("gemini-second")[0];
    expect(sent?.provider).toBe("gemini");
    expect(sent?.body).toMatchObject({
      systemInstruction: { parts: [{ text: "Answer with the tools you have." }] },
      contents: [
        { role: "user", parts: [{ text: "Weather in Paris, then Lyon?" }] },
        // A call Gemini did not make has no signature of Gemini's: the documented skip value stands in.
        {
          role: "model",
          parts: [
            {
              functionCall: { name: "get_weather", args: { city: "Paris" } },
              thoughtSignature: "skip_thought_signature_validator",
            },
          ],
        },
        { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { output: { celsius: 21 } } } }] },
      ],
      tools: [{ functionDeclarations: [{ name: "get_weather", parametersJsonSchema: weather.inputSchema }] }],
    });
  });

  it("Gemini 503 → GPT answers; Gemini's own call, signature and all, goes back to Gemini and never to GPT's wire", async () => {
    server()
      .script("claude-primary", () => faults.overloaded())
      .script("gemini-second", [lyonCall, faults.overloaded()])
      .script("gpt-last", [{ text: "21°C in Paris, 19°C in Lyon." }]);
    const chain = threeWay();
    const first = await chain.generate(request);
    expect(first.model).toBe("google:gemini-second");
    const signature = first.toolCalls[0]?.providerMetadata?.google?.thoughtSignature;
    expect(signature).toEqual(expect.any(String));

    const next: ChatRequest = {
      ...request,
      messages: [
        ...request.messages,
        assistantMessageOf(first),
        {
          role: "tool",
          content: [
            { type: "tool-result", toolCallId: first.toolCalls[0]?.id ?? "", toolName: "get_weather", result: { celsius: 19 } },
          ],
        },
      ],
    };
    const second = await chain.generate(next);
    expect(second.model).toBe("openai:gpt-last");
    expect(second.fallbacks.map((change) => `${change.from}>${change.to}:${change.reason}`)).toEqual([
      "anthropic:claude-primary>google:gemini-second:overloaded",
      "google:gemini-second>openai:gpt-last:overloaded",
    ]);
    expect(
      server()
        .requestsFor("gemini-second")
        .map((entry) => entry.status),
    ).toEqual([200, 503]);
    // Gemini was sent its own signature back on its own call.
    const toGemini = JSON.stringify(server().requestsFor("gemini-second")[1]?.body);
    expect(toGemini).toContain(`"thoughtSignature":${JSON.stringify(signature)}`);
    // GPT got the whole history in Chat Completions' shape, and nothing of Gemini's signature.
    const toGpt = server().requestsFor("gpt-last")[0]?.body as { messages: { role: string; tool_call_id?: string }[] };
    expect(toGpt.messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "tool", "assistant", "tool"]);
    expect(toGpt.messages.at(-1)?.tool_call_id).toBe(first.toolCalls[0]?.id);
    expect(JSON.stringify(toGpt)).not.toContain(String(signature));
  });
});
