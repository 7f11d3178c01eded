import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GoogleGenAI } from "@google/genai";
import { type ChatRequest, countsAgainstHealth, createFallback, type ModelAdapter } from "@understudy/core";
import type { FaultStep } from "@understudy/testing";
import { expectModelError, readAdapterStream, useFaultServer } from "@understudy/testing/vitest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { google } from "./google.ts";

// The body of a 200 is untrusted input, a missing key is `auth`, and a
// request the adapter cannot send is the caller's bug, not the model's.

const server = useFaultServer();
const apiKey = "AIzaSyE-untrusted-answers-0123456789ab";
const model = (): ModelAdapter => google("gemini-test", { apiKey, baseURL: server().geminiBaseURL });
const ask: ChatRequest = { messages: [{ role: "user", content: "hi" }] };
const call = () => ({ signal: new AbortController().signal });
const answering = (body: string, contentType?: string): FaultStep => ({
  rawBody: { body, ...(contentType ? { contentType } : {}) },
});
const generateWith = (step: FaultStep) => {
  server().script("gemini-test", [step]);
  return model().generate(ask, call());
};
const answer = (candidate: Record<string, unknown>) =>
  JSON.stringify({
    candidates: [{ finishReason: "STOP", index: 0, ...candidate }],
    usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
    modelVersion: "gemini-test",
    responseId: "raw1",
  });
const parts = (...list: unknown[]) => answer({ content: { role: "model", parts: list } });

describe("google adapter: a 200 that is not a GenerateContentResponse is a server failure, never a TypeError", () => {
  it.each<[string, FaultStep, RegExp]>([
    ["null", answering("null"), /^answered 200 with a body that is not a GenerateContentResponse: /],
    ["a JSON string", answering('"hello"'), /^answered 200 with a body that is not a GenerateContentResponse: /],
    ["an HTML page", answering("<html><body>Welcome to nginx!</body></html>", "text/html"), /a body that is not JSON: /],
    ["JSON that does not parse", answering('{"candidates": [{"con'), /a body that is not JSON: /],
    ["a JSON array", answering("[1,2]"), /without candidates: \{\}$/],
    ["an object without candidates", answering('{"responseId":"x"}'), /without candidates: \{"responseId":"x"\}/],
    ["empty candidates", answering('{"candidates":[]}'), /without candidates/],
    [
      // The SDK keeps only the fields it knows: the error under the 200 is lost before the adapter sees it.
      "an error body under a 200",
      answering(JSON.stringify({ error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } })),
      /without candidates: \{\}$/,
    ],
    // The SDK reads a candidate that is not an object as {}.
    ["a candidate that is a string", answering(JSON.stringify({ candidates: ["hi"] })), /candidate without a finishReason/],
    [
      "a candidate without a finishReason",
      answering(JSON.stringify({ candidates: [{ content: { parts: [{ text: "hi" }] } }] })),
      /candidate without a finishReason/,
    ],
    ["content that is a string", answering(answer({ content: "hi" })), /content is not an object/],
    ["parts that are an object", answering(answer({ content: { parts: { text: "hi" } } })), /content.parts is not an array/],
    ["a part that is a number", answering(parts(7)), /parts\[0\] is not an object/],
    ["a text that is an object", answering(parts({ text: { a: 1 } })), /parts\[0\] has a text that is not a string/],
    [
      "a function call without a name",
      answering(parts({ functionCall: { args: {} } })),
      /parts\[0\] is a functionCall without a name/,
    ],
    [
      "function call args that are a number",
      answering(parts({ functionCall: { name: "t", args: 7 } })),
      /args are not an object/,
    ],
    ["a function call id that is a number", answering(parts({ functionCall: { name: "t", id: 7 } })), /id is not a string/],
    ["a thought signature that is a number", answering(parts({ text: "hi", thoughtSignature: 7 })), /thoughtSignature/],
    ["a finishReason that is a number", answering(answer({ finishReason: 7 })), /finishReason is not a string/],
  ])("%s", async (_name, step, message) => {
    const error = await expectModelError(generateWith(step));
    expect(error.kind).toBe("server");
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("[object Object]");
    expect(error.message).not.toContain('sdkHttpResponse":');
    expect(error.message.length).toBeLessThan(300);
  });

  it("quotes at most 200 characters of a huge body", async () => {
    const error = await expectModelError(generateWith(answering(JSON.stringify({ responseId: "x".repeat(100_000) }))));
    expect(error.message).toMatch(/x…$/);
    expect(error.message.length).toBeLessThan(280);
  });

  it("reads text around parts it does not read and thoughts, and keeps the last signature of the text", async () => {
    const response = await generateWith(
      answering(
        parts(
          { text: "Let me think.", thought: true, thoughtSignature: "dGhvdWdodA==" },
          { executableCode: { language: "PYTHON", code: "print(1)" } },
          { text: "Sunny, " },
          { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
          { text: "21°C.", thoughtSignature: "dGV4dA==" },
        ),
      ),
    );
    expect(response).toMatchObject({ text: "Sunny, 21°C.", finishReason: "stop", toolCalls: [] });
    expect(response.providerMetadata).toEqual({
      google: { thoughtSignature: "dGV4dA==", signedBy: "gemini-test", endpoint: `gemini-api ${server().geminiBaseURL}` },
    });
  });

  it("takes arguments a proxy sent as JSON text, and reports text that is not JSON without throwing", async () => {
    const response = await generateWith(
      answering(
        parts(
          { functionCall: { id: "a", name: "t", args: '{"city":"Paris"}' } },
          { functionCall: { id: "b", name: "t", args: "not json" } },
          { functionCall: { id: "c", name: "t" } },
        ),
      ),
    );
    expect(response.toolCalls).toMatchObject([
      { id: "a", args: { city: "Paris" } },
      { id: "b", args: undefined, argsText: "not json" },
      { id: "c", args: {}, argsText: "{}" },
    ]);
    expect(response.toolCalls[1]?.argsError).toMatch(/JSON/);
    expect(response.finishReason).toBe("tool-calls");
  });
});

describe("google adapter: stream chunks of the wrong shape break the stream", () => {
  const sse = (...chunks: unknown[]) => chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`).join("");
  const chunk = (candidate: Record<string, unknown>) => ({
    candidates: [{ index: 0, ...candidate }],
    responseId: "raw",
    modelVersion: "gemini-test",
  });
  const text = (value: unknown) => chunk({ content: { role: "model", parts: [{ text: value }] } });
  const done = chunk({ finishReason: "STOP" });
  it.each<[string, string]>([
    ["a text that is an object", sse(text("one "), text({ text: "two" }), done)],
    ["a chunk that is null", sse(text("one "), null, done)],
    ["a chunk that is an array", sse(text("one "), [1, 2], done)],
    ["candidates that are an object", sse(text("one "), { candidates: { text: "two" } }, done)],
    ["a function call without a name", sse(chunk({ content: { parts: [{ functionCall: { args: {} } }] } }), done)],
    ["a chunk cut inside its JSON", `${sse(text("one "))}data: {"candidates": [{"content": {"parts": [{"text": "tw\r\n\r\n`],
    ["a chunk cut at the end of the stream", `${sse(text("one "))}data: {"candidates": [`],
  ])("%s", async (_name, body) => {
    server().script("gemini-test", [{ rawBody: { contentType: "text/event-stream", body } }]);
    const { parts: delivered, error } = await readAdapterStream(model(), ask);
    expect(error).toMatchObject({ kind: "stream_broken" });
    expect(error?.message).toMatch(/^malformed stream: /);
    expect(delivered.length).toBeLessThanOrEqual(1);
    expect(JSON.stringify(delivered)).not.toContain("[object Object]");
  });

  it("a stream of well-formed chunks with a finishReason is complete, thoughts as reasoning", async () => {
    const body = sse(
      chunk({ content: { parts: [{ text: "Hmm.", thought: true }] } }),
      text("Hi"),
      chunk({ content: { parts: [{ text: "", thoughtSignature: "c2ln" }] }, finishReason: "STOP" }),
    );
    server().script("gemini-test", [{ rawBody: { contentType: "text/event-stream", body } }]);
    const { parts: delivered, error } = await readAdapterStream(model(), ask);
    expect(error).toBeUndefined();
    expect(delivered).toEqual([
      { type: "reasoning-delta", text: "Hmm." },
      { type: "text-delta", text: "Hi" },
      {
        type: "text-delta",
        text: "",
        providerMetadata: {
          google: { thoughtSignature: "c2ln", signedBy: "gemini-test", endpoint: `gemini-api ${server().geminiBaseURL}` },
        },
      },
      expect.objectContaining({ type: "finish", finishReason: "stop", responseId: "raw" }),
    ]);
  });
});

describe("google adapter: a request it cannot send is the caller's bug (invalid_request), never the model's", () => {
  const circular: Record<string, unknown> = { type: "object" };
  circular.self = circular;
  it.each<[string, ChatRequest]>([
    ["a circular tool schema", { ...ask, tools: [{ name: "t", inputSchema: circular }] }],
    ["a BigInt in providerOptions", { ...ask, providerOptions: { google: { seed: 7n } } }],
    ["an option only Vertex AI takes, refused by the SDK", { ...ask, providerOptions: { google: { routingConfig: {} } } }],
    [
      "a BigInt in a tool call's arguments",
      {
        messages: [
          ...ask.messages,
          { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "t", args: { n: 1n } }] },
        ],
      },
    ],
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
    expect((await readAdapterStream(model(), request)).error?.kind).toBe("invalid_request");
    expect(server().log).toHaveLength(0);
  });
});

describe("google adapter: a missing key is auth, before any call, never retried", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const withoutKeys = () => {
    for (const name of ["GOOGLE_API_KEY", "GEMINI_API_KEY"]) vi.stubEnv(name, undefined);
  };

  it("with no apiKey and no environment", async () => {
    withoutKeys();
    const adapter = google("gemini-test", { baseURL: server().geminiBaseURL });
    const error = await expectModelError(adapter.generate(ask, call()));
    expect(error).toMatchObject({ kind: "auth" });
    expect(error.message).toMatch(/GEMINI_API_KEY/);
    expect((await readAdapterStream(adapter, ask)).error).toMatchObject({ kind: "auth" });
    expect(server().log).toHaveLength(0);
  });

  it("reads GOOGLE_API_KEY before GEMINI_API_KEY, as the SDK does", async () => {
    vi.stubEnv("GOOGLE_API_KEY", "AIzaSyF-google-api-key-0123456789abcdef");
    // Too short to be redacted (the kit leaves keys under 6 characters alone): it would show if it were sent.
    vi.stubEnv("GEMINI_API_KEY", "gem12");
    server().script("gemini-test", [{ failure: "auth", echoApiKey: true }]);
    const error = await expectModelError(google("gemini-test", { baseURL: server().geminiBaseURL }).generate(ask, call()));
    expect(error.providerMessage).toMatch(/^key \[redacted\] rejected: /);
    expect(error.providerMessage).not.toContain("gem12");
  });

  it("with a client of the user's that has none (the SDK only warns)", async () => {
    withoutKeys();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const client = new GoogleGenAI({ httpOptions: { baseUrl: server().geminiBaseURL } });
    warn.mockRestore();
    const adapter = google("gemini-test", { client });
    expect(await expectModelError(adapter.generate(ask, call()))).toMatchObject({ kind: "auth" });
    expect(server().log).toHaveLength(0);
  });

  it("is not retried by the pipeline", async () => {
    withoutKeys();
    const chat = createFallback({
      models: [{ model: google("gemini-test", { baseURL: server().geminiBaseURL }), retry: { maxAttempts: 3 }, breaker: false }],
    });
    const error = await chat.generate(ask).catch((e: unknown) => e);
    expect(error).toMatchObject({ attempts: [{ kind: "auth" }] });
  });

  it("a Vertex AI client needs no key, and one without credentials is auth too", async () => {
    const missing = join(mkdtempSync(join(tmpdir(), "understudy-vertex-")), "none.json");
    const client = new GoogleGenAI({
      vertexai: true,
      project: "p",
      location: "us-central1",
      googleAuthOptions: { keyFile: missing },
      httpOptions: { baseUrl: server().geminiBaseURL },
    });
    const adapter = google("gemini-2.5-pro", { client, provider: "vertex" });
    expect(adapter.capabilities).toMatchObject({ contextWindow: 1_048_576, reasoning: true });
    const error = await expectModelError(adapter.generate(ask, call()));
    expect(error).toMatchObject({ kind: "auth", provider: "vertex" });
    expect(error.message).toMatch(/no usable Google Cloud credentials/);
    expect(server().log).toHaveLength(0);
  });
});
