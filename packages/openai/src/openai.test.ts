import { type ChatRequest, createFallback, type ModelAdapter } from "@understudy/core";
import { type FaultStep, faults } from "@understudy/testing";
import {
  expectAttempts,
  expectGapsAtLeast,
  expectModelError,
  readAdapterStream,
  useFaultServer,
  waitFor,
} from "@understudy/testing/vitest";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { openai } from "./openai.ts";

const server = useFaultServer();
const apiKey = "sk-sentinel-openai-0123456789abcdef";
const model = (id = "gpt-test"): ModelAdapter => openai(id, { apiKey, baseURL: server().openaiBaseURL });
const ask: ChatRequest = { messages: [{ role: "user", content: "What is the weather in Paris?" }] };
const weatherTool = { name: "get_weather", inputSchema: { type: "object", properties: { city: { type: "string" } } } };
const call = () => ({ signal: new AbortController().signal });

const readStream = (adapter: ModelAdapter, request: ChatRequest = ask) => readAdapterStream(adapter, request);

const failureOf = (step: FaultStep) => {
  server().script("gpt-test", [step]);
  return expectModelError(model().generate(ask, call()));
};

describe("openai adapter: answers", () => {
  it("translates a plain completion: text, finish, usage without cached tokens in input, ids", async () => {
    server().script("gpt-test", [{ text: "Sunny, 21°C.", cachedTokens: 3 }]);
    const response = await model().generate({ ...ask, maxTokens: 50, temperature: 0.2 }, call());
    expect(response).toMatchObject({ text: "Sunny, 21°C.", finishReason: "stop", toolCalls: [] });
    expect(response.responseId).toMatch(/^chatcmpl-/);
    expect(response.requestId).toMatch(/^req_fault_/);
    const sent = server().log[0]?.body;
    expect(sent).toMatchObject({ model: "gpt-test", max_tokens: 50, temperature: 0.2, stream: false });
    expect(response.usage.cachedInputTokens).toBe(3);
    expect(response.usage.inputTokens + 3).toBe(server().log[0]?.promptTokens);
  });

  it("streams text deltas and ends with a finish part carrying usage (include_usage asked)", async () => {
    server().script("gpt-test", [{ text: "one two three" }]);
    const { parts, error } = await readStream(model());
    expect(error).toBeUndefined();
    expect(parts.filter((p) => p.type === "text-delta").map((p) => (p.type === "text-delta" ? p.text : ""))).toEqual([
      "one ",
      "two ",
      "three",
    ]);
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "stop", usage: { outputTokens: 3 } });
    expect(server().log[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("is complete when the stream finished but [DONE] is missing", async () => {
    server().script("gpt-test", [{ text: "done", omitDone: true }]);
    const { parts, error } = await readStream(model());
    expect(error).toBeUndefined();
    expect(parts.at(-1)?.type).toBe("finish");
  });

  it("translates tool calls both ways", async () => {
    server().script("gpt-test", [
      { toolCalls: [{ id: "call_1", name: "get_weather", args: { city: "Paris" } }] },
      { toolCalls: [{ name: "get_weather", args: { city: "Lyon" } }] },
    ]);
    const response = await model().generate({ ...ask, tools: [weatherTool], toolChoice: "required" }, call());
    expect(response.finishReason).toBe("tool-calls");
    expect(response.toolCalls).toEqual([
      { id: "call_1", name: "get_weather", args: { city: "Paris" }, argsText: '{"city":"Paris"}' },
    ]);
    expect(server().log[0]?.body).toMatchObject({
      tools: [{ type: "function", function: { name: "get_weather", parameters: weatherTool.inputSchema } }],
      tool_choice: "required",
    });

    const followUp: ChatRequest = {
      system: "Be brief.",
      messages: [
        ...ask.messages,
        { role: "assistant", content: [{ type: "tool-call", id: "call_1", name: "get_weather", args: { city: "Paris" } }] },
        { role: "tool", content: [{ type: "tool-result", toolCallId: "call_1", toolName: "get_weather", result: { temp: 21 } }] },
      ],
      tools: [weatherTool],
    };
    const { parts } = await readStream(model(), followUp);
    expect(server().log[1]?.body.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is the weather in Paris?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
      },
      { role: "tool", tool_call_id: "call_1", content: '{"temp":21}' },
    ]);
    const complete = parts.find((p) => p.type === "tool-call");
    expect(complete?.type === "tool-call" && complete.toolCall.args).toEqual({ city: "Lyon" });
    expect(parts.some((p) => p.type === "tool-call-delta")).toBe(true);
  });

  it("sends images as image_url parts, and JSON output as response_format", async () => {
    await model().generate(
      {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "what is it?" },
              { type: "image", data: "iVBORw0KGgo=", mediaType: "image/png" },
            ],
          },
        ],
        responseFormat: { type: "json", schema: { type: "object" }, name: "thing" },
        providerOptions: { openai: { seed: 7 }, anthropic: { top_k: 3 } },
      },
      call(),
    );
    expect(server().log[0]?.body).toMatchObject({
      messages: [
        {
          role: "user",
          content: [{ type: "text" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }],
        },
      ],
      response_format: { type: "json_schema", json_schema: { name: "thing", schema: { type: "object" } } },
      seed: 7,
    });
    expect(server().log[0]?.body).not.toHaveProperty("top_k");
  });

  it("reasoning models take max_completion_tokens and refuse a temperature before any call", async () => {
    await openai("o4-mini", { apiKey, baseURL: server().openaiBaseURL }).generate(
      { ...ask, maxTokens: 100, system: "x" },
      call(),
    );
    expect(server().log[0]?.body).toMatchObject({
      max_completion_tokens: 100,
      messages: [{ role: "developer" }, { role: "user" }],
    });
    const error = await expectModelError(
      openai("o4-mini", { apiKey, baseURL: server().openaiBaseURL }).generate({ ...ask, temperature: 0.3 }, call()),
    );
    expect(error).toMatchObject({ kind: "unsupported" });
    expect(error.message).toMatch(/temperature/);
    expect(server().log).toHaveLength(1);
  });

  it("reports invalid tool-call JSON without throwing, streamed or not", async () => {
    const broken = { toolCalls: [{ id: "call_9", name: "get_weather", argsText: '{"city": "Par' }] };
    server().script("gpt-test", [broken, broken]);
    const response = await model().generate({ ...ask, tools: [weatherTool] }, call());
    expect(response.toolCalls[0]).toMatchObject({ id: "call_9", args: undefined, argsText: '{"city": "Par' });
    expect(response.toolCalls[0]?.argsError).toMatch(/JSON/);
    const { parts } = await readStream(model(), { ...ask, tools: [weatherTool] });
    const complete = parts.find((p) => p.type === "tool-call");
    expect(complete?.type === "tool-call" && complete.toolCall.argsError).toMatch(/JSON/);
  });
});

describe("openai adapter: failures", () => {
  it.each<[string, FaultStep, string, number]>([
    ["429", faults.rateLimit(), "rate_limit", 429],
    ["429 insufficient_quota", faults.quota(), "quota", 429],
    ["500", faults.serverError(), "server", 500],
    ["502 (an HTML body)", { failure: "bad_gateway" }, "server", 502],
    ["503", faults.overloaded(), "overloaded", 503],
    ["504", { failure: "gateway_timeout" }, "server", 504],
    ["400 context_length_exceeded", faults.contextLength(), "context_length", 400],
    ["400 content policy", faults.contentPolicy(), "content_filter", 400],
    ["401", faults.unauthorized(), "auth", 401],
    ["403", { failure: "forbidden" }, "auth", 403],
    ["404 model", { failure: "not_found" }, "invalid_request", 404],
    ["400", { failure: "invalid_request" }, "invalid_request", 400],
    ["422", { failure: "unprocessable" }, "invalid_request", 422],
  ])("%s → %s", async (_name, step, kind, status) => {
    const error = await failureOf(step);
    expect(error).toMatchObject({ kind, status, provider: "openai", model: "gpt-test" });
    expect(error.requestId).toMatch(/^req_fault_/);
  });

  it.each<[string, "server" | "overloaded" | "rate_limit" | "quota", string]>([
    ["server_error", "server", "server"],
    ["overloaded", "overloaded", "overloaded"],
    ["rate limit", "rate_limit", "rate_limit"],
    ["insufficient_quota", "quota", "quota"],
  ])("an error event mid-stream (%s) classifies from its body, with no status", async (_name, failure, kind) => {
    server().script("gpt-test", [faults.midStreamError(failure, 2)]);
    const { parts, error } = await readStream(model());
    expect(parts).toHaveLength(2);
    expect(error).toMatchObject({ kind, status: undefined });
  });

  it("a content_filter finish reason is a content_filter failure", async () => {
    server().script("gpt-test", [], { finishReason: "content-filter" });
    const error = await model()
      .generate(ask, call())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "content_filter", providerCode: "content_filter" });
    expect((await readStream(model())).error).toMatchObject({ kind: "content_filter" });
  });

  it.each<[string, FaultStep, number | undefined]>([
    ["retry-after in seconds", faults.rateLimit({ retryAfterSeconds: 7 }), 7_000],
    ["retry-after-ms", faults.rateLimit({ retryAfterMs: 1_250 }), 1_250],
    ["retry-after as an HTTP date", faults.rateLimit({ retryAfterDateInMs: 30_000 }), 30_000],
    ["only the reset headers, on a 429", faults.rateLimit({ resetInMs: 90_000 }), 90_000],
    ["a 429 with nothing", faults.rateLimit(), undefined],
    ["reset headers on a 503 (the window, not a delay)", { failure: "overloaded", retry: { resetInMs: 90_000 } }, undefined],
  ])("Retry-After: %s", async (_name, step, expected) => {
    const error = await failureOf(step);
    if (expected === undefined) expect(error.retryAfterMs).toBeUndefined();
    else expect(error.retryAfterMs).toBeGreaterThanOrEqual(expected - 1_000);
    if (expected !== undefined) expect(error.retryAfterMs).toBeLessThanOrEqual(expected);
  });

  it("a connection reset before the headers is a connection failure", async () => {
    expect(await failureOf(faults.connectionReset())).toMatchObject({ kind: "connection" });
  });

  it("a stream cut after some tokens without its finish is broken", async () => {
    server().script("gpt-test", [faults.cutStream(2)]);
    const { parts, error } = await readStream(model());
    expect(parts).toHaveLength(2);
    expect(error).toMatchObject({ kind: "stream_broken" });
  });

  it("a connection reset mid-stream is a broken stream once content arrived, a connection failure before", async () => {
    server().script("gpt-test", [{ resetAfterTokens: 2, tokenDelayMs: 20 }, { resetAfterTokens: 0 }]);
    const midStream = await readStream(model());
    expect(midStream.parts.length).toBeGreaterThan(0);
    expect(midStream.error).toMatchObject({ kind: "stream_broken" });
    const beforeContent = await readStream(model());
    expect(beforeContent.parts).toHaveLength(0);
    expect(beforeContent.error).toMatchObject({ kind: "connection" });
  });

  it("a malformed chunk is a broken stream", async () => {
    server().script("gpt-test", [faults.malformedStream(1)]);
    expect((await readStream(model())).error).toMatchObject({ kind: "stream_broken" });
  });

  it("the caller's abort is reported as aborted", async () => {
    server().script("gpt-test", [faults.silent()]);
    const controller = new AbortController();
    const pending = model()
      .generate(ask, { signal: controller.signal })
      .catch((e: unknown) => e);
    await waitFor(() => server().log.length === 1);
    controller.abort();
    expect(await pending).toMatchObject({ kind: "aborted" });
  });
});

describe("openai adapter: retries belong to the pipeline", () => {
  it("turns off the retries of a client the user passes in: one request per attempt", async () => {
    server().script("gpt-test", [faults.serverError()]);
    const client = new OpenAI({ apiKey, baseURL: server().openaiBaseURL, maxRetries: 5 });
    await expectModelError(openai("gpt-test", { client }).generate(ask, call()));
    expectAttempts(server(), "gpt-test", 1);
  });

  it("the pipeline waits out Retry-After between the calls the server sees", async () => {
    server().script("gpt-test", [faults.rateLimit({ retryAfterMs: 300 })]);
    const chat = createFallback({ models: [{ model: model(), retry: { initialDelayMs: 1 } }] });
    await chat.generate(ask);
    expectAttempts(server(), "gpt-test", 2);
    expectGapsAtLeast(server(), "gpt-test", 300);
  });
});

describe("openai adapter under the pipeline's timers (real time, short and generous)", () => {
  it("a silent server is cut by the attempt timeout, and the server sees the hang-up", async () => {
    server().script("gpt-test", [faults.silent()]);
    const chat = createFallback({ models: [{ model: model(), timeout: { attemptMs: 200 } }, { model: model("gpt-backup") }] });
    const result = await chat.generate(ask);
    expect(result.model).toBe("openai:gpt-backup");
    expect(result.attempts[0]).toMatchObject({ kind: "timeout" });
    await waitFor(() => server().requestsFor("gpt-test")[0]?.clientHungUp === true);
  });

  it("a stream that stalls is cut by the idle timeout, not taken as an empty success", async () => {
    server().script("gpt-test", [faults.stallStream(2)]);
    const chat = createFallback({
      models: [{ model: model(), timeout: { idleMs: 200 } }, { model: model("gpt-backup") }],
      midStream: "restart",
    });
    const stream = chat.stream(ask);
    const types: string[] = [];
    for await (const part of stream) types.push(part.type);
    expect(types).toContain("reset");
    const result = await stream.result;
    expect(result.model).toBe("openai:gpt-backup");
    expect(result.attempts[0]).toMatchObject({ kind: "timeout" });
  });

  it("a slow first token is cut by the first-token timeout and falls over invisibly", async () => {
    server().script("gpt-test", [{ firstTokenDelayMs: 5_000 }]);
    const chat = createFallback({ models: [{ model: model(), timeout: { firstTokenMs: 200 } }, { model: model("gpt-backup") }] });
    const stream = chat.stream(ask);
    const types: string[] = [];
    for await (const part of stream) types.push(part.type);
    expect(types).not.toContain("reset");
    expect((await stream.result).model).toBe("openai:gpt-backup");
  });
});

describe("openai adapter: what the provider says of its answer", () => {
  it("reports the model that answered, generated and streamed", async () => {
    server().script("gpt-test", [{ text: "hi" }, { text: "hi" }]);
    expect((await model().generate(ask, call())).responseModel).toBe("gpt-test");
    const { parts } = await readStream(model());
    expect(parts.at(-1)).toMatchObject({ type: "finish", responseModel: "gpt-test" });
  });
});
