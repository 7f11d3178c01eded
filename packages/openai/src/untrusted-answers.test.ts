import { type ChatRequest, countsAgainstHealth, type ModelAdapter } from "@understudy/core";
import type { FaultStep } from "@understudy/testing";
import { expectModelError, readAdapterStream, useFaultServer } from "@understudy/testing/vitest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openai } from "./openai.ts";

// Item 11 of the hardening issue: the body of a 200 is untrusted input, and a
// request the adapter cannot send is the caller's bug, not the model's.

const server = useFaultServer();
const apiKey = "sk-sentinel-openai-0123456789abcdef";
const model = (): ModelAdapter => openai("gpt-test", { apiKey, baseURL: server().openaiBaseURL });
const ask: ChatRequest = { messages: [{ role: "user", content: "hi" }] };
const call = () => ({ signal: new AbortController().signal });
const answering = (body: string, contentType?: string): FaultStep => ({
  rawBody: { body, ...(contentType ? { contentType } : {}) },
});
const generateWith = (step: FaultStep) => {
  server().script("gpt-test", [step]);
  return model().generate(ask, call());
};
const completion = (message: Record<string, unknown>) =>
  JSON.stringify({
    id: "chatcmpl-raw",
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: "stop" }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  });

describe("openai adapter: a 200 whose body is an error is classified from that body", () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      "overloaded",
      { message: "The engine is currently overloaded, please try again later.", type: "server_error" },
      "overloaded",
    ],
    ["rate limit", { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" }, "rate_limit"],
    ["a numeric code, as OpenRouter sends", { message: "Provider returned error", code: 429 }, "rate_limit"],
    ["insufficient_quota", { message: "You exceeded your current quota", type: "insufficient_quota" }, "quota"],
    ["invalid key", { message: "Incorrect API key provided", code: "invalid_api_key" }, "auth"],
    ["an unknown error", { message: "Something went wrong" }, "server"],
  ])("%s", async (_name, error, kind) => {
    const failure = await expectModelError(generateWith(answering(JSON.stringify({ error }))));
    expect(failure).toMatchObject({ kind, status: undefined, providerMessage: error.message });
    expect(failure.message).toMatch(/^answered 200 with an error: /);
    expect(failure.requestId).toMatch(/^req_fault_/);
  });
});

describe("openai adapter: a 200 that is not a chat completion is a server failure, never a TypeError", () => {
  it.each<[string, FaultStep, RegExp]>([
    ["null", answering("null"), /^answered 200 with a body that is not a chat completion: null$/],
    ["an HTML page", answering("<html><body>Welcome to nginx!</body></html>", "text/html"), /not a chat completion: <html>/],
    ["a JSON array", answering("[1,2]"), /not a chat completion: \[1,2\]$/],
    ["an object without choices", answering('{"id":"x","object":"list"}'), /not a chat completion: \{"id":"x"/],
    ["empty choices", answering('{"id":"x","choices":[]}'), /a chat completion without choices/],
    ["JSON that does not parse", answering('{"id":"chatcmpl-1","choi'), /a body that is not JSON: /],
    ["content that is an object", answering(completion({ content: { text: "hi" } })), /content is neither text nor null/],
    ["content that is a number", answering(completion({ content: 42 })), /content is neither text nor null/],
    ["tool calls that are not an array", answering(completion({ content: null, tool_calls: {} })), /malformed tool_calls/],
    [
      "a tool call without a name",
      answering(completion({ content: null, tool_calls: [{ id: "c", type: "function", function: { arguments: "{}" } }] })),
      /malformed tool_calls/,
    ],
  ])("%s", async (_name, step, message) => {
    const error = await expectModelError(generateWith(step));
    expect(error.kind).toBe("server");
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("[object Object]");
    expect(error.message.length).toBeLessThan(300);
  });

  it("quotes at most 200 characters of a huge body", async () => {
    const error = await expectModelError(generateWith(answering(`<html>${"x".repeat(100_000)}</html>`, "text/html")));
    expect(error.message).toMatch(/x…$/);
    expect(error.message.length).toBeLessThan(260);
  });

  it("takes content sent as an array of text parts, joined", async () => {
    const content = [
      { type: "text", text: "Sunny, " },
      { type: "text", text: "21°C." },
    ];
    const response = await generateWith(answering(completion({ content })));
    expect(response.text).toBe("Sunny, 21°C.");
  });
});

describe("openai adapter: stream chunks of the wrong shape break the stream", () => {
  const sse = (...chunks: unknown[]) => chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join("");
  const chunk = (delta: unknown, finish: string | null = null) => ({
    id: "chatcmpl-raw",
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  it.each<[string, string]>([
    ["content that is an object", sse(chunk({ content: "one " }), chunk({ content: { text: "two" } }), chunk({}, "stop"))],
    ["a chunk that is null", sse(chunk({ content: "one " }), null, chunk({}, "stop"))],
    ["tool call arguments that are a number", sse(chunk({ tool_calls: [{ index: 0, id: "c", function: { arguments: 7 } }] }))],
  ])("%s", async (_name, body) => {
    server().script("gpt-test", [{ rawBody: { contentType: "text/event-stream", body: `${body}data: [DONE]\n\n` } }]);
    const { parts, error } = await readAdapterStream(model(), ask);
    expect(error).toMatchObject({ kind: "stream_broken" });
    expect(error?.message).toMatch(/^malformed stream: /);
    expect(JSON.stringify(parts)).not.toContain("[object Object]");
  });
});

describe("openai adapter: a request it cannot send is the caller's bug (invalid_request), never the model's", () => {
  const circular: Record<string, unknown> = { type: "object" };
  circular.self = circular;
  it.each<[string, ChatRequest]>([
    ["a circular tool schema", { ...ask, tools: [{ name: "t", inputSchema: circular }] }],
    ["a BigInt in providerOptions", { ...ask, providerOptions: { openai: { seed: 7n } } }],
    [
      "a BigInt in a tool result (thrown while translating)",
      {
        messages: [
          ...ask.messages,
          { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "t", args: {} }] },
          { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "t", result: { n: 1n } }] },
        ],
      },
    ],
  ])("%s", async (_name, request) => {
    const error = await expectModelError(model().generate(request, call()));
    expect(error.kind).toBe("invalid_request");
    expect(countsAgainstHealth(error.kind)).toBe(false);
    const streamed = await readAdapterStream(model(), request);
    expect(streamed.error?.kind).toBe("invalid_request");
    expect(server().log).toHaveLength(0);
  });
});

describe("openai adapter: a missing key", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("is auth, before any call", async () => {
    vi.stubEnv("OPENAI_API_KEY", undefined);
    const adapter = openai("gpt-test", { baseURL: server().openaiBaseURL });
    expect(await expectModelError(adapter.generate(ask, call()))).toMatchObject({ kind: "auth" });
    expect((await readAdapterStream(adapter, ask)).error).toMatchObject({ kind: "auth" });
    expect(server().log).toHaveLength(0);
  });
});
