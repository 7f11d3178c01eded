import { createAnthropic } from "@ai-sdk/anthropic";
import { createAnthropic as createAnthropicV3 } from "@ai-sdk/anthropic-v3";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAI as createOpenAIV3 } from "@ai-sdk/openai-v3";
import type { LanguageModelV3, LanguageModelV4 } from "@ai-sdk/provider";
import { type ChatRequest, type ModelAdapter, type ModelErrorKind, maxProviderDelayMs } from "@understudy/core/adapter";
import { type FaultStep, faults, type ProviderFailure } from "@understudy/testing";
import { expectModelError, readAdapterStream, useFaultServer, waitFor } from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";
import { aiSdk } from "./ai-sdk-adapter.ts";

// The real AI SDK providers (spec v4 and v3) against the fault server's
// OpenAI Chat Completions and Anthropic Messages wire formats.

const server = useFaultServer();
const apiKey = "sk-sentinel-aisdk-0123456789abcdef";

interface Flavour {
  readonly name: string;
  readonly wire: "openai" | "anthropic";
  readonly provider: string;
  readonly make: (modelId: string) => LanguageModelV3 | LanguageModelV4;
}

const flavours: readonly Flavour[] = [
  {
    name: "@ai-sdk/openai 4 (spec v4)",
    wire: "openai",
    provider: "openai",
    make: (id) => createOpenAI({ apiKey, baseURL: server().openaiBaseURL }).chat(id),
  },
  {
    name: "@ai-sdk/openai 3 (spec v3)",
    wire: "openai",
    provider: "openai",
    make: (id) => createOpenAIV3({ apiKey, baseURL: server().openaiBaseURL }).chat(id),
  },
  {
    name: "@ai-sdk/anthropic 4 (spec v4)",
    wire: "anthropic",
    provider: "anthropic",
    // The AI SDK's base URL includes `/v1`; it appends `/messages`.
    make: (id) => createAnthropic({ apiKey, baseURL: `${server().anthropicBaseURL}/v1` })(id),
  },
  {
    name: "@ai-sdk/anthropic 3 (spec v3)",
    wire: "anthropic",
    provider: "anthropic",
    make: (id) => createAnthropicV3({ apiKey, baseURL: `${server().anthropicBaseURL}/v1` })(id),
  },
];

const ask: ChatRequest = { messages: [{ role: "user", content: "What is the weather in Paris?" }] };
const weatherTool = { name: "get_weather", inputSchema: { type: "object", properties: { city: { type: "string" } } } };
const call = () => ({ signal: new AbortController().signal });
const texts = (parts: readonly { type: string }[]) =>
  parts.flatMap((part) => (part.type === "text-delta" && "text" in part ? [part.text] : []));

describe.each(flavours)("aiSdk($name): answers", ({ make, provider, wire }) => {
  const model = (id = "model-test"): ModelAdapter => aiSdk(make(id), { secrets: [apiKey] });

  it("names the provider by the model's provider prefix, and the model by its id", () => {
    expect(model()).toMatchObject({ provider, modelId: "model-test" });
    expect(aiSdk(make("model-test"), { provider: "acme" }).provider).toBe("acme");
  });

  it("translates a plain answer: text, finish, usage without cached tokens in input, ids", async () => {
    server().script("model-test", [{ text: "Sunny, 21°C.", cachedTokens: 3 }]);
    const response = await model().generate({ ...ask, system: "Be brief.", maxTokens: 50, temperature: 0.2 }, call());
    expect(response).toMatchObject({ text: "Sunny, 21°C.", finishReason: "stop", toolCalls: [] });
    expect(response.responseId).toMatch(wire === "openai" ? /^chatcmpl-/ : /^msg_/);
    expect(response.responseModel).toBe("model-test");
    expect(response.requestId).toMatch(/^req_fault_/);
    expect(response.usage).toMatchObject({ cachedInputTokens: 3, estimated: false });
    expect(response.usage.inputTokens + 3).toBe(server().log[0]?.promptTokens);
    expect(response.usage.outputTokens).toBeGreaterThan(0);
    const sent = server().log[0]?.body;
    expect(sent).toMatchObject({ model: "model-test", max_tokens: 50, temperature: 0.2 });
    expect(JSON.stringify(sent)).toContain("Be brief.");
  });

  it("streams text deltas and ends with a finish part carrying usage and ids", async () => {
    server().script("model-test", [{ text: "one two three", cachedTokens: 2 }]);
    const { parts, error } = await readAdapterStream(model(), ask);
    expect(error).toBeUndefined();
    expect(texts(parts)).toEqual(["one ", "two ", "three"]);
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      finishReason: "stop",
      usage: { outputTokens: 3, cachedInputTokens: 2 },
      responseModel: "model-test",
    });
    expect(parts.at(-1)).toHaveProperty("requestId", expect.stringMatching(/^req_fault_/));
    expect(parts.filter((part) => part.type === "finish")).toHaveLength(1);
  });

  it("translates tool calls both ways, streamed and not", async () => {
    server().script("model-test", [
      { toolCalls: [{ id: "call_1", name: "get_weather", args: { city: "Paris" } }] },
      { toolCalls: [{ id: "call_2", name: "get_weather", args: { city: "Lyon" } }] },
    ]);
    const response = await model().generate({ ...ask, tools: [weatherTool], toolChoice: "required" }, call());
    expect(response.finishReason).toBe("tool-calls");
    expect(response.toolCalls).toEqual([
      { id: "call_1", name: "get_weather", args: { city: "Paris" }, argsText: '{"city":"Paris"}' },
    ]);
    expect(JSON.stringify(server().log[0]?.body)).toContain('"get_weather"');

    const followUp: ChatRequest = {
      messages: [
        ...ask.messages,
        { role: "assistant", content: [{ type: "tool-call", id: "call_1", name: "get_weather", args: { city: "Paris" } }] },
        { role: "tool", content: [{ type: "tool-result", toolCallId: "call_1", toolName: "get_weather", result: { temp: 21 } }] },
      ],
      tools: [weatherTool],
    };
    const { parts, error } = await readAdapterStream(model(), followUp);
    expect(error).toBeUndefined();
    const sent = JSON.stringify(server().log[1]?.body);
    expect(sent).toContain("call_1");
    expect(sent).toContain('\\"temp\\":21');
    const deltas = parts.flatMap((part) => (part.type === "tool-call-delta" ? [part] : []));
    expect(deltas.map((delta) => delta.argsTextDelta).join("")).toBe('{"city":"Lyon"}');
    expect(deltas.every((delta) => delta.id === "call_2" && delta.name === "get_weather")).toBe(true);
    const complete = parts.find((part) => part.type === "tool-call");
    expect(complete?.type === "tool-call" && complete.toolCall).toMatchObject({ id: "call_2", args: { city: "Lyon" } });
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "tool-calls" });
  });

  it("reports invalid tool-call JSON without throwing, streamed or not", async () => {
    const broken = { toolCalls: [{ id: "call_9", name: "get_weather", argsText: '{"city": "Par' }] };
    server().script("model-test", [broken, broken]);
    const response = await model().generate({ ...ask, tools: [weatherTool] }, call());
    // Anthropic's wire sends tool input as an object: the SDK cannot even see the broken text there.
    if (wire === "openai") {
      expect(response.toolCalls[0]).toMatchObject({ id: "call_9", args: undefined, argsText: '{"city": "Par' });
      expect(response.toolCalls[0]?.argsError).toMatch(/JSON/);
    }
    const { parts, error } = await readAdapterStream(model(), { ...ask, tools: [weatherTool] });
    expect(error).toBeUndefined();
    const complete = parts.find((part) => part.type === "tool-call");
    expect(complete?.type === "tool-call" && complete.toolCall.argsText).toBe('{"city": "Par');
    expect(complete?.type === "tool-call" && complete.toolCall.argsError).toMatch(/JSON/);
  });

  it("a length finish is an answer; a withheld one is a content_filter failure", async () => {
    server().script("model-test", [
      { text: "cut short", finishReason: "length" },
      { text: "no", finishReason: "content-filter" },
      { text: "no", finishReason: "content-filter" },
    ]);
    expect((await model().generate(ask, call())).finishReason).toBe("length");
    expect(await expectModelError(model().generate(ask, call()))).toMatchObject({ kind: "content_filter" });
    expect((await readAdapterStream(model(), ask)).error).toMatchObject({ kind: "content_filter" });
  });
});

/** The fault server's failures, and what each must be, per wire: [failure, kind, OpenAI status, Anthropic status]. */
const httpFailures: readonly [ProviderFailure, ModelErrorKind, number, number][] = [
  ["rate_limit", "rate_limit", 429, 429],
  ["quota", "quota", 429, 400],
  ["billing", "quota", 429, 402],
  ["overloaded", "overloaded", 503, 529],
  ["server", "server", 500, 500],
  ["bad_gateway", "server", 502, 502],
  ["gateway_timeout", "server", 504, 504],
  ["context_length", "context_length", 400, 400],
  ["content_policy", "content_filter", 400, 400],
  ["auth", "auth", 401, 401],
  ["forbidden", "auth", 403, 403],
  ["not_found", "invalid_request", 404, 404],
  ["invalid_request", "invalid_request", 400, 400],
  ["unprocessable", "invalid_request", 422, 422],
];

describe.each(flavours)("aiSdk($name): failures", ({ make, provider, wire }) => {
  const model = (id = "model-test"): ModelAdapter => aiSdk(make(id), { secrets: [apiKey] });
  const failureOf = (step: FaultStep) => {
    server().script("model-test", [step]);
    return expectModelError(model().generate(ask, call()));
  };

  it.each(httpFailures)("HTTP %s → %s", async (failure, kind, openaiStatus, anthropicStatus) => {
    const error = await failureOf({ failure });
    expect(error).toMatchObject({
      kind,
      status: wire === "openai" ? openaiStatus : anthropicStatus,
      provider,
      model: "model-test",
    });
    expect(error.requestId).toMatch(/^req_fault_/);
    expect(error.message.length).toBeGreaterThan(5);
  });

  it.each(httpFailures.slice(0, 4))("a stream that fails at once with HTTP %s is %s too", async (failure, kind) => {
    server().script("model-test", [{ failure }]);
    const { parts, error } = await readAdapterStream(model(), ask);
    expect(parts).toEqual([]);
    expect(error).toMatchObject({ kind });
  });

  it.each<[string, FaultStep, number | undefined]>([
    ["retry-after in seconds", faults.rateLimit({ retryAfterSeconds: 7 }), 7_000],
    ["retry-after-ms", faults.rateLimit({ retryAfterMs: 1_250 }), 1_250],
    ["retry-after as an HTTP date", faults.rateLimit({ retryAfterDateInMs: 30_000 }), 30_000],
    ["only the reset headers, on a 429", faults.rateLimit({ resetInMs: 90_000 }), 90_000],
    ["a 429 with nothing", faults.rateLimit(), undefined],
    ["reset headers on a 503 (the window, not a delay)", { failure: "overloaded", retry: { resetInMs: 90_000 } }, undefined],
    ["retry-after: 999999999 (bounded)", faults.rateLimit({ retryAfterSeconds: 999_999_999 }), maxProviderDelayMs],
    ["retry-after: -5 (ignored)", faults.rateLimit({ headers: { "retry-after": "-5" } }), undefined],
  ])("Retry-After: %s", async (_name, step, expected) => {
    const error = await failureOf(step);
    if (expected === undefined) expect(error.retryAfterMs).toBeUndefined();
    else {
      expect(error.retryAfterMs).toBeGreaterThanOrEqual(expected - 1_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(expected);
    }
  });

  it.each<[ProviderFailure, ModelErrorKind]>([
    ["server", "server"],
    ["overloaded", "overloaded"],
    ["rate_limit", "rate_limit"],
    ["quota", "quota"],
    ["auth", "auth"],
  ])("an error event mid-stream (%s) is classified from its body, with no status", async (failure, kind) => {
    server().script("model-test", [faults.midStreamError(failure, 2)]);
    const { parts, error } = await readAdapterStream(model(), ask);
    expect(texts(parts)).toHaveLength(2);
    expect(error).toMatchObject({ kind, status: undefined });
  });

  it.each<[ProviderFailure, ModelErrorKind]>([
    ["overloaded", "overloaded"],
    ["rate_limit", "rate_limit"],
  ])("an error event before any content (%s) is classified from its body, with no status", async (failure, kind) => {
    server().script("model-test", [faults.midStreamError(failure, 0)]);
    const { parts, error } = await readAdapterStream(model(), ask);
    expect(parts).toEqual([]);
    expect(error).toMatchObject({ kind, status: undefined });
  });

  it("a connection reset before the headers is a connection failure, streamed or not", async () => {
    server().script("model-test", [faults.connectionReset(), faults.connectionReset()]);
    expect(await expectModelError(model().generate(ask, call()))).toMatchObject({ kind: "connection" });
    expect((await readAdapterStream(model(), ask)).error).toMatchObject({ kind: "connection" });
  });

  it("a connection reset mid-stream is a broken stream once content arrived, a connection failure before", async () => {
    server().script("model-test", [{ resetAfterTokens: 2, tokenDelayMs: 20 }, { resetAfterTokens: 0 }]);
    const midStream = await readAdapterStream(model(), ask);
    expect(texts(midStream.parts).length).toBeGreaterThan(0);
    expect(midStream.error).toMatchObject({ kind: "stream_broken" });
    const beforeContent = await readAdapterStream(model(), ask);
    expect(beforeContent.parts).toEqual([]);
    expect(beforeContent.error).toMatchObject({ kind: "connection" });
  });

  it("a stream cut after some tokens without its terminal event is broken, never a success", async () => {
    server().script("model-test", [faults.cutStream(2)]);
    const { parts, error } = await readAdapterStream(model(), ask);
    expect(texts(parts)).toHaveLength(2);
    expect(parts.some((part) => part.type === "finish")).toBe(false);
    expect(error).toMatchObject({ kind: "stream_broken" });
  });

  it("a malformed chunk is a broken stream", async () => {
    server().script("model-test", [faults.malformedStream(1)]);
    const { parts, error } = await readAdapterStream(model(), ask);
    expect(parts.some((part) => part.type === "finish")).toBe(false);
    expect(error).toMatchObject({ kind: "stream_broken" });
  });

  it("a 200 whose body is not an answer is a server failure quoting it", async () => {
    const error = await failureOf({ rawBody: { body: '{"message":"no"}' } });
    expect(error).toMatchObject({ kind: "server", status: undefined });
    expect(error.message).toMatch(/200/);
  });

  it("an error body under a 200 is classified like the error it is", async () => {
    const body =
      wire === "openai"
        ? '{"error":{"message":"Overloaded","type":"overloaded_error","code":null}}'
        : '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
    expect(await failureOf({ rawBody: { body } })).toMatchObject({ kind: "overloaded", status: undefined });
  });

  it("the caller's abort is reported as aborted, streamed or not", async () => {
    server().script("model-test", [faults.silent(), { firstTokenDelayMs: 5_000 }]);
    const controller = new AbortController();
    const pending = model()
      .generate(ask, { signal: controller.signal })
      .catch((e: unknown) => e);
    await waitFor(() => server().log.length === 1);
    controller.abort();
    expect(await pending).toMatchObject({ kind: "aborted" });

    const streaming = new AbortController();
    const reading = readAdapterStream(model(), ask, streaming.signal);
    await waitFor(() => server().log.length === 2);
    streaming.abort();
    expect((await reading).error).toMatchObject({ kind: "aborted" });
  });

  it("sends one request per call: the pipeline is the only retry loop", async () => {
    await failureOf(faults.serverError());
    expect(server().requestsFor("model-test")).toHaveLength(1);
  });
});
