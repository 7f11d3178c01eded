import { createAnthropic } from "@ai-sdk/anthropic";
import { createAnthropic as createAnthropicV3 } from "@ai-sdk/anthropic-v3";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAI as createOpenAIV3 } from "@ai-sdk/openai-v3";
import type { ChatRequest } from "@understudy/core/adapter";
import { useFaultServer } from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";
import { aiSdk } from "./ai-sdk-adapter.ts";
import { toCallOptions } from "./to-call-options.ts";

const png = "iVBORw0KGgo=";
const signature = { google: { thoughtSignature: "sig-1" } };

const conversation: ChatRequest = {
  system: "Be brief.",
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "what are these?" },
        { type: "image", url: "https://example.test/cat.png" },
        { type: "image", data: png, mediaType: "image/png" },
        { type: "image", url: `data:image/jpeg;base64,${png}` },
      ],
    },
    {
      role: "assistant",
      content: [
        { type: "text", text: "" },
        { type: "text", text: "", providerMetadata: signature },
        { type: "text", text: "Looking." },
        { type: "tool-call", id: "call_1", name: "lookup", args: { q: "cat" }, providerMetadata: signature },
        { type: "tool-call", id: "call_2", name: "lookup", args: undefined },
      ],
    },
    {
      role: "tool",
      content: [
        { type: "tool-result", toolCallId: "call_1", toolName: "lookup", result: "a cat" },
        { type: "tool-result", toolCallId: "call_2", toolName: "lookup", result: { found: false } },
        { type: "tool-result", toolCallId: "call_3", toolName: "lookup", result: "timed out", isError: true },
        { type: "tool-result", toolCallId: "call_4", toolName: "lookup", result: { code: 7 }, isError: true },
        { type: "tool-result", toolCallId: "call_5", toolName: "lookup", result: undefined },
      ],
    },
  ],
};

describe("toCallOptions", () => {
  it("puts the system prompt first and keeps the turns in order", () => {
    const { prompt } = toCallOptions(conversation, "v4");
    expect(prompt.map((message) => message.role)).toEqual(["system", "user", "assistant", "tool"]);
    expect(prompt[0]).toEqual({ role: "system", content: "Be brief." });
  });

  it("v4: images as tagged file data, a URL of unknown type as `image`, a data URL split", () => {
    const user = toCallOptions(conversation, "v4").prompt[1];
    expect(user?.content).toEqual([
      { type: "text", text: "what are these?" },
      { type: "file", data: { type: "url", url: new URL("https://example.test/cat.png") }, mediaType: "image" },
      { type: "file", data: { type: "data", data: png }, mediaType: "image/png" },
      { type: "file", data: { type: "data", data: png }, mediaType: "image/jpeg" },
    ]);
  });

  it.each(["v3", "v2"] as const)("%s: images as a URL object or base64 text, a URL of unknown type as `image/*`", (version) => {
    const user = toCallOptions(conversation, version).prompt[1];
    expect(user?.content).toEqual([
      { type: "text", text: "what are these?" },
      { type: "file", data: new URL("https://example.test/cat.png"), mediaType: "image/*" },
      { type: "file", data: png, mediaType: "image/png" },
      { type: "file", data: png, mediaType: "image/jpeg" },
    ]);
  });

  it("a data URL that is not base64 is re-encoded", () => {
    const request: ChatRequest = {
      messages: [{ role: "user", content: [{ type: "image", url: "data:image/svg+xml,%3Csvg%2F%3E" }] }],
    };
    const user = toCallOptions(request, "v3").prompt[0];
    expect(user?.content).toEqual([{ type: "file", data: Buffer.from("<svg/>").toString("base64"), mediaType: "image/svg+xml" }]);
  });

  it("sends provider facts back as the part's providerOptions, drops empty text without any, and sends unparsed args as {}", () => {
    const assistant = toCallOptions(conversation, "v4").prompt[2];
    expect(assistant?.content).toEqual([
      { type: "text", text: "", providerOptions: signature },
      { type: "text", text: "Looking." },
      { type: "tool-call", toolCallId: "call_1", toolName: "lookup", input: { q: "cat" }, providerOptions: signature },
      { type: "tool-call", toolCallId: "call_2", toolName: "lookup", input: {} },
    ]);
  });

  it("tool results: text for a string, JSON otherwise, the error forms for a failed tool", () => {
    const tool = toCallOptions(conversation, "v3").prompt[3];
    expect(((tool?.content ?? []) as { output?: unknown }[]).map((part) => part.output)).toEqual([
      { type: "text", value: "a cat" },
      { type: "json", value: { found: false } },
      { type: "error-text", value: "timed out" },
      { type: "error-json", value: { code: 7 } },
      { type: "json", value: null },
    ]);
  });

  it("maps the settings and passes the whole providerOptions through", () => {
    const request: ChatRequest = {
      messages: [{ role: "user", content: "hi" }],
      maxTokens: 100,
      temperature: 0.3,
      topP: 0.9,
      stopSequences: ["END"],
      tools: [{ name: "lookup", description: "Looks up", inputSchema: { type: "object" } }],
      toolChoice: { type: "tool", name: "lookup" },
      responseFormat: { type: "json", schema: { type: "object" }, name: "thing" },
      providerOptions: { google: { thinkingConfig: { thinkingBudget: 0 } }, openai: { user: "u1" } },
    };
    const { prompt, ...settings } = toCallOptions(request, "v4");
    expect(settings).toEqual({
      maxOutputTokens: 100,
      temperature: 0.3,
      topP: 0.9,
      stopSequences: ["END"],
      tools: [{ type: "function", name: "lookup", description: "Looks up", inputSchema: { type: "object" } }],
      toolChoice: { type: "tool", toolName: "lookup" },
      responseFormat: { type: "json", schema: { type: "object" }, name: "thing" },
      providerOptions: request.providerOptions,
    });
    expect(prompt).toEqual([{ role: "user", content: [{ type: "text", text: "hi" }] }]);
    expect(toCallOptions({ ...request, toolChoice: "none", responseFormat: { type: "text" } }, "v2")).toMatchObject({
      toolChoice: { type: "none" },
      responseFormat: { type: "text" },
    });
  });

  it("leaves out what the request does not set", () => {
    expect(toCallOptions({ messages: [{ role: "user", content: "hi" }], stopSequences: [], tools: [] }, "v4")).toEqual({
      prompt: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
    });
  });
});

describe("toCallOptions, read back by the real providers", () => {
  const server = useFaultServer();
  const images: ChatRequest = {
    messages: [
      {
        role: "user",
        content: [
          { type: "image", url: "https://example.test/cat.png" },
          { type: "image", data: png, mediaType: "image/png" },
        ],
      },
    ],
    responseFormat: { type: "json", schema: { type: "object", properties: {} }, name: "thing" },
  };
  const call = () => ({ signal: new AbortController().signal });

  it.each([
    ["@ai-sdk/openai 4", () => createOpenAI({ apiKey: "sk-test-00000000", baseURL: server().openaiBaseURL }).chat("m")],
    ["@ai-sdk/openai 3", () => createOpenAIV3({ apiKey: "sk-test-00000000", baseURL: server().openaiBaseURL }).chat("m")],
  ])("%s sends images as image_url parts and JSON output as a json_schema", async (_name, make) => {
    await aiSdk(make()).generate(images, call());
    expect(server().log[0]?.body).toMatchObject({
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: "https://example.test/cat.png" } },
            { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
          ],
        },
      ],
      response_format: { type: "json_schema", json_schema: { name: "thing" } },
    });
  });

  it.each([
    [
      "@ai-sdk/anthropic 4",
      () => createAnthropic({ apiKey: "sk-test-00000000", baseURL: `${server().anthropicBaseURL}/v1` })("m"),
    ],
    [
      "@ai-sdk/anthropic 3",
      () => createAnthropicV3({ apiKey: "sk-test-00000000", baseURL: `${server().anthropicBaseURL}/v1` })("m"),
    ],
  ])("%s sends images as url and base64 sources", async (_name, make) => {
    await aiSdk(make()).generate({ messages: images.messages }, call());
    expect(server().log[0]?.body).toMatchObject({
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "url", url: "https://example.test/cat.png" } },
            { type: "image", source: { type: "base64", media_type: "image/png", data: png } },
          ],
        },
      ],
    });
  });
});
