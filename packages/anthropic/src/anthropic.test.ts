import { type ChatRequest, createFallback, type ModelAdapter } from "@understudy/core";
import { type FaultStep, faults } from "@understudy/testing";
import { expectModelError, readAdapterStream, useFaultServer, waitFor } from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";
import { anthropic } from "./anthropic.ts";

const server = useFaultServer();
const apiKey = "sk-ant-sentinel-0123456789abcdef";
const model = (id = "claude-test"): ModelAdapter => anthropic(id, { apiKey, baseURL: server().anthropicBaseURL });
const ask: ChatRequest = { messages: [{ role: "user", content: "What is the weather in Paris?" }] };
const weatherTool = {
  name: "get_weather",
  description: "Weather now",
  inputSchema: { type: "object", properties: { city: { type: "string" } } },
};
const call = () => ({ signal: new AbortController().signal });
const readStream = (adapter: ModelAdapter, request: ChatRequest = ask) => readAdapterStream(adapter, request);
const failureOf = (step: FaultStep) => {
  server().script("claude-test", [step]);
  return expectModelError(model().generate(ask, call()));
};

describe("anthropic adapter: answers", () => {
  it("translates a plain message: system on top, default max_tokens, usage with cache reads apart, ids", async () => {
    server().script("claude-test", [{ text: "Sunny, 21°C.", cachedTokens: 4 }]);
    const response = await model().generate({ ...ask, system: "Be brief.", stopSequences: ["END"] }, call());
    expect(response).toMatchObject({ text: "Sunny, 21°C.", finishReason: "stop", toolCalls: [] });
    expect(response.responseId).toMatch(/^msg_/);
    expect(response.requestId).toMatch(/^req_fault_/);
    expect(server().log[0]?.body).toMatchObject({
      model: "claude-test",
      system: "Be brief.",
      max_tokens: 4096,
      stop_sequences: ["END"],
    });
    expect(response.usage.cachedInputTokens).toBe(4);
    expect(response.usage.inputTokens + 4).toBe(server().log[0]?.promptTokens);
  });

  it("streams text deltas and completes only at message_stop, with usage", async () => {
    server().script("claude-test", [{ text: "one two three" }]);
    const { parts, error } = await readStream(model());
    expect(error).toBeUndefined();
    expect(parts.filter((p) => p.type === "text-delta")).toHaveLength(3);
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "stop", usage: { outputTokens: 3 } });
  });

  it("translates tool calls both ways, tool results merged into one user turn", async () => {
    server().script("claude-test", [
      { text: "Checking.", toolCalls: [{ id: "toolu_1", name: "get_weather", args: { city: "Paris" } }] },
      { toolCalls: [{ name: "get_weather", args: { city: "Lyon" } }] },
    ]);
    const response = await model().generate(
      { ...ask, tools: [weatherTool], toolChoice: { type: "tool", name: "get_weather" } },
      call(),
    );
    expect(response).toMatchObject({ text: "Checking.", finishReason: "tool-calls" });
    expect(response.toolCalls).toEqual([
      { id: "toolu_1", name: "get_weather", args: { city: "Paris" }, argsText: '{"city":"Paris"}' },
    ]);
    expect(server().log[0]?.body).toMatchObject({
      tools: [{ name: "get_weather", description: "Weather now", input_schema: weatherTool.inputSchema }],
      tool_choice: { type: "tool", name: "get_weather" },
    });

    const followUp: ChatRequest = {
      messages: [
        ...ask.messages,
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking." },
            { type: "tool-call", id: "toolu_1", name: "get_weather", args: { city: "Paris" } },
          ],
        },
        {
          role: "tool",
          content: [{ type: "tool-result", toolCallId: "toolu_1", toolName: "get_weather", result: "21°C", isError: false }],
        },
        { role: "user", content: "And Lyon?" },
      ],
      tools: [weatherTool],
    };
    const { parts } = await readStream(model(), followUp);
    expect(server().log[1]?.body.messages).toEqual([
      { role: "user", content: "What is the weather in Paris?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "21°C" },
          { type: "text", text: "And Lyon?" },
        ],
      },
    ]);
    const complete = parts.find((p) => p.type === "tool-call");
    expect(complete?.type === "tool-call" && complete.toolCall).toMatchObject({ name: "get_weather", args: { city: "Lyon" } });
    expect(parts.filter((p) => p.type === "tool-call-delta").length).toBeGreaterThan(1);
  });

  it("sends images as image blocks and JSON output as output_config; provider options pass through", async () => {
    await model().generate(
      {
        messages: [
          {
            role: "user",
            content: [
              { type: "image", url: "https://example.com/a.png" },
              { type: "image", data: "iVBORw0KGgo=", mediaType: "image/png" },
            ],
          },
        ],
        responseFormat: { type: "json", schema: { type: "object", properties: {} } },
        providerOptions: { anthropic: { thinking: { type: "enabled", budget_tokens: 1024 } } },
      },
      call(),
    );
    expect(server().log[0]?.body).toMatchObject({
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
          ],
        },
      ],
      output_config: { format: { type: "json_schema", schema: { type: "object", properties: {} } } },
      thinking: { type: "enabled", budget_tokens: 1024 },
    });
  });

  it.each<[string, ChatRequest, RegExp]>([
    ["a temperature above 1", { ...ask, temperature: 1.5 }, /temperature above 1/],
    [
      "an image type it does not take",
      { messages: [{ role: "user", content: [{ type: "image", data: "AAAA", mediaType: "image/bmp" }] }] },
      /image\/bmp/,
    ],
  ])("refuses %s before any call, as unsupported", async (_name, request, message) => {
    const error = await expectModelError(model().generate(request, call()));
    expect(error.kind).toBe("unsupported");
    expect(error.message).toMatch(message);
    expect(server().log).toHaveLength(0);
  });

  it("a long non-streamed request is not refused by the SDK (the pipeline owns the timers)", async () => {
    const response = await model().generate({ ...ask, maxTokens: 64_000 }, call());
    expect(response.text).toContain("claude-test");
  });
});

describe("anthropic adapter: failures", () => {
  it.each<[string, FaultStep, string, number]>([
    ["429 rate_limit_error", faults.rateLimit(), "rate_limit", 429],
    ["400 credit balance too low", faults.quota(), "quota", 400],
    ["402 billing_error", { failure: "billing" }, "quota", 402],
    ["529 overloaded_error", faults.overloaded(), "overloaded", 529],
    ["500 api_error", faults.serverError(), "server", 500],
    ["502", { failure: "bad_gateway" }, "server", 502],
    ["504", { failure: "gateway_timeout" }, "server", 504],
    ["400 prompt is too long", faults.contextLength(), "context_length", 400],
    ["400 content filtering", faults.contentPolicy(), "content_filter", 400],
    ["401 authentication_error", faults.unauthorized(), "auth", 401],
    ["403 permission_error", { failure: "forbidden" }, "auth", 403],
    ["404 not_found_error", { failure: "not_found" }, "invalid_request", 404],
    ["400 invalid_request_error", { failure: "invalid_request" }, "invalid_request", 400],
    ["422", { failure: "unprocessable" }, "invalid_request", 422],
    ["400 prefill rejected", { failure: "prefill_rejected" }, "unsupported", 400],
  ])("%s → %s", async (_name, step, kind, status) => {
    const error = await failureOf(step);
    expect(error).toMatchObject({ kind, status, provider: "anthropic", model: "claude-test" });
    expect(error.requestId).toMatch(/^req_fault_/);
  });

  it.each<[string, "server" | "overloaded" | "rate_limit", string]>([
    ["overloaded_error", "overloaded", "overloaded"],
    ["api_error", "server", "server"],
    ["rate_limit_error", "rate_limit", "rate_limit"],
  ])("an error event mid-stream (%s) classifies from its body, with no status", async (_name, failure, kind) => {
    server().script("claude-test", [faults.midStreamError(failure, 2)]);
    const { parts, error } = await readStream(model());
    expect(parts.filter((p) => p.type === "text-delta")).toHaveLength(2);
    expect(error).toMatchObject({ kind, status: undefined, providerCode: `${failure === "server" ? "api" : failure}_error` });
  });

  it("a refusal stop reason is a content_filter failure", async () => {
    server().script("claude-test", [], { finishReason: "content-filter" });
    expect(await expectModelError(model().generate(ask, call()))).toMatchObject({
      kind: "content_filter",
      providerCode: "refusal",
    });
    expect((await readStream(model())).error).toMatchObject({ kind: "content_filter" });
  });

  it.each<[string, FaultStep, number | undefined]>([
    ["retry-after in seconds", faults.rateLimit({ retryAfterSeconds: 12 }), 12_000],
    ["retry-after as an HTTP date", faults.rateLimit({ retryAfterDateInMs: 30_000 }), 30_000],
    ["only the reset headers, on a 429", faults.rateLimit({ resetInMs: 45_000 }), 45_000],
    ["a 429 with nothing", faults.rateLimit(), undefined],
    ["reset headers on a 529 (the window, not a delay)", { failure: "overloaded", retry: { resetInMs: 45_000 } }, undefined],
  ])("Retry-After: %s", async (_name, step, expected) => {
    const error = await failureOf(step);
    if (expected === undefined) {
      expect(error.retryAfterMs).toBeUndefined();
      return;
    }
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(expected - 1_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(expected);
  });

  it("a connection reset before the headers is a connection failure", async () => {
    expect(await failureOf(faults.connectionReset())).toMatchObject({ kind: "connection" });
  });

  it("a stream cut before message_stop is broken, whatever it delivered", async () => {
    server().script("claude-test", [faults.cutStream(2)]);
    const { parts, error } = await readStream(model());
    expect(parts).toHaveLength(2);
    expect(error).toMatchObject({ kind: "stream_broken" });
  });

  it("a malformed event is a broken stream", async () => {
    server().script("claude-test", [faults.malformedStream(1)]);
    expect((await readStream(model())).error).toMatchObject({ kind: "stream_broken" });
  });

  it("the caller's abort is reported as aborted", async () => {
    server().script("claude-test", [faults.silent()]);
    const controller = new AbortController();
    const pending = expectModelError(model().generate(ask, { signal: controller.signal }));
    await waitFor(() => server().log.length === 1);
    controller.abort();
    expect(await pending).toMatchObject({ kind: "aborted" });
  });
});

describe("anthropic adapter under the pipeline's timers (real time, short and generous)", () => {
  it("a silent server is cut by the attempt timeout", async () => {
    server().script("claude-test", [faults.silent()]);
    const chat = createFallback({ models: [{ model: model(), timeout: { attemptMs: 200 } }, { model: model("claude-backup") }] });
    const result = await chat.generate(ask);
    expect(result.model).toBe("anthropic:claude-backup");
    expect(result.attempts[0]).toMatchObject({ kind: "timeout" });
    await waitFor(() => server().requestsFor("claude-test")[0]?.clientHungUp === true);
  });

  it("a stalled stream is cut by the idle timeout and ends in a typed error by default", async () => {
    server().script("claude-test", [faults.stallStream(1)]);
    const chat = createFallback({ models: [{ model: model(), timeout: { idleMs: 200 } }] });
    const stream = chat.stream(ask);
    const error = await (async () => {
      for await (const _ of stream) {
        // the first token arrives, then nothing
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "StreamInterruptedError", kind: "timeout" });
  });
});

describe("anthropic adapter: what the provider says of its answer", () => {
  it("reports the model that answered, generated and streamed", async () => {
    server().script("claude-test", [{ text: "hi" }, { text: "hi" }]);
    expect((await model().generate(ask, { signal: new AbortController().signal })).responseModel).toBe("claude-test");
    const { parts } = await readStream(model());
    expect(parts.at(-1)).toMatchObject({ type: "finish", responseModel: "claude-test" });
  });
});
