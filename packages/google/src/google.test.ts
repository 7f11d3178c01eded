import { GoogleGenAI } from "@google/genai";
import { assistantMessageOf, type ChatRequest, createFallback, type ModelAdapter } from "@understudy/core";
import { type FaultStep, faults, faultThoughtSignature } from "@understudy/testing";
import {
  expectAttempts,
  expectGapsAtLeast,
  expectModelError,
  readAdapterStream,
  useFaultServer,
  waitFor,
} from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";
import { google } from "./google.ts";
import { foreignCallSignature } from "./thought-signature.ts";

const server = useFaultServer();
const apiKey = "AIzaSyA-sentinel-google-0123456789abcde";
const model = (id = "gemini-test"): ModelAdapter => google(id, { apiKey, baseURL: server().geminiBaseURL });
const ask: ChatRequest = { messages: [{ role: "user", content: "What is the weather in Paris?" }] };
const weatherTool = { name: "get_weather", inputSchema: { type: "object", properties: { city: { type: "string" } } } };
const call = () => ({ signal: new AbortController().signal });
const readStream = (adapter: ModelAdapter, request: ChatRequest = ask) => readAdapterStream(adapter, request);
const failureOf = (step: FaultStep) => {
  server().script("gemini-test", [step]);
  return expectModelError(model().generate(ask, call()));
};
const sent = (index: number) => server().log[index]?.body as Record<string, unknown> & { contents: unknown[] };
/** A thought signature's provider facts, as the adapter of `gemini-test` on the fault server records them. */
const signedByTest = (thoughtSignature: string) => ({
  google: { thoughtSignature, signedBy: "gemini-test", endpoint: `gemini-api ${server().geminiBaseURL}` },
});

describe("google adapter: answers", () => {
  it("translates a plain answer: text, finish, usage without cached tokens in input and with thoughts in output, ids", async () => {
    server().script("gemini-test", [{ text: "Sunny, 21°C.", cachedTokens: 3, reasoningTokens: 5 }]);
    const response = await model().generate({ ...ask, system: "Be brief.", maxTokens: 50, temperature: 0.2 }, call());
    expect(response).toMatchObject({ text: "Sunny, 21°C.", finishReason: "stop", toolCalls: [] });
    expect(response.responseId).toMatch(/^fault/);
    // Gemini sends no request id header (the fault server neither): the answer's own id is responseId.
    expect(response.requestId).toBeUndefined();
    expect(response.responseModel).toBe("gemini-test");
    expect(server().log[0]?.path).toMatch(/^\/v1(beta)?\/models\/gemini-test:generateContent$/);
    expect(sent(0)).toMatchObject({
      systemInstruction: { parts: [{ text: "Be brief." }] },
      contents: [{ role: "user", parts: [{ text: "What is the weather in Paris?" }] }],
      generationConfig: { maxOutputTokens: 50, temperature: 0.2 },
    });
    expect(response.usage).toMatchObject({ cachedInputTokens: 3, reasoningTokens: 5, cacheWriteTokens: 0, estimated: false });
    expect(response.usage.inputTokens + 3).toBe(server().log[0]?.promptTokens);
    // Two words of text (candidatesTokenCount) and five of thinking (thoughtsTokenCount).
    expect(response.usage.outputTokens).toBe(2 + 5);
  });

  it("streams text deltas and completes only with a finishReason, usage from the last chunk", async () => {
    server().script("gemini-test", [{ text: "one two three", reasoningTokens: 2 }]);
    const { parts, error } = await readStream(model());
    expect(error).toBeUndefined();
    expect(parts.filter((p) => p.type === "text-delta").map((p) => (p.type === "text-delta" ? p.text : ""))).toEqual([
      "one ",
      "two ",
      "three",
    ]);
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      finishReason: "stop",
      usage: { outputTokens: 3 + 2, reasoningTokens: 2 },
      responseModel: "gemini-test",
    });
    expect(server().log[0]?.path).toMatch(/:streamGenerateContent\?alt=sse$/);
  });

  it.each([false, true])(
    "completes whether the finish reason rides on the last content chunk or comes in its own (separate: %s)",
    async (separateFinishChunk) => {
      const step = (extra: FaultStep): FaultStep => ({ ...extra, separateFinishChunk });
      server().script("gemini-test", [
        step({ text: "one two" }),
        step({ toolCalls: [{ id: "fc_1", name: "get_weather", args: { city: "Paris" } }] }),
      ]);
      const text = await readStream(model());
      expect(text.error).toBeUndefined();
      expect(text.parts.flatMap((p) => (p.type === "text-delta" ? [p.text] : []))).toEqual(["one ", "two"]);
      expect(text.parts.at(-1)).toMatchObject({ type: "finish", finishReason: "stop" });
      const calls = await readStream(model(), { ...ask, tools: [weatherTool] });
      expect(calls.error).toBeUndefined();
      expect(calls.parts.map((p) => p.type)).toEqual(["tool-call-delta", "tool-call", "finish"]);
      expect(calls.parts.at(-1)).toMatchObject({ type: "finish", finishReason: "tool-calls" });
    },
  );

  it("a stream that ends without its finishReason is broken, not a short success", async () => {
    server().script("gemini-test", [{ text: "all the words", omitDone: true }]);
    const { parts, error } = await readStream(model());
    expect(parts.filter((p) => p.type === "text-delta")).toHaveLength(3);
    expect(error).toMatchObject({ kind: "stream_broken", message: "the stream ended without a finishReason" });
  });

  it("translates tool calls both ways, with Gemini's ids and thought signatures", async () => {
    server().script("gemini-test", [
      {
        text: "Checking.",
        toolCalls: [
          { id: "fc_1", name: "get_weather", args: { city: "Paris" } },
          { id: "fc_2", name: "get_weather", args: { city: "Lyon" } },
        ],
      },
      { toolCalls: [{ name: "get_weather", args: { city: "Nice" } }] },
    ]);
    const request: ChatRequest = { ...ask, tools: [weatherTool], toolChoice: "required" };
    const response = await model().generate(request, call());
    expect(response.finishReason).toBe("tool-calls");
    expect(response.text).toBe("Checking.");
    expect(response.toolCalls).toEqual([
      {
        id: "fc_1",
        name: "get_weather",
        args: { city: "Paris" },
        argsText: '{"city":"Paris"}',
        providerMetadata: signedByTest(faultThoughtSignature("fc_1")),
      },
      { id: "fc_2", name: "get_weather", args: { city: "Lyon" }, argsText: '{"city":"Lyon"}' },
    ]);
    expect(sent(0)).toMatchObject({
      tools: [{ functionDeclarations: [{ name: "get_weather", parametersJsonSchema: weatherTool.inputSchema }] }],
      toolConfig: { functionCallingConfig: { mode: "ANY" } },
    });

    const followUp: ChatRequest = {
      ...request,
      toolChoice: "auto",
      messages: [
        ...ask.messages,
        assistantMessageOf(response),
        {
          role: "tool",
          content: [
            { type: "tool-result", toolCallId: "fc_2", toolName: "get_weather", result: "18°C" },
            { type: "tool-result", toolCallId: "fc_1", toolName: "get_weather", result: { temp: 21 } },
          ],
        },
      ],
    };
    const { parts, error } = await readStream(model(), followUp);
    expect(error).toBeUndefined();
    expect(sent(1).contents.slice(1)).toEqual([
      {
        role: "model",
        parts: [
          { text: "Checking." },
          {
            functionCall: { id: "fc_1", name: "get_weather", args: { city: "Paris" } },
            thoughtSignature: faultThoughtSignature("fc_1"),
          },
          { functionCall: { id: "fc_2", name: "get_weather", args: { city: "Lyon" } } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { id: "fc_1", name: "get_weather", response: { output: { temp: 21 } } } },
          { functionResponse: { id: "fc_2", name: "get_weather", response: { output: "18°C" } } },
        ],
      },
    ]);
    const complete = parts.find((p) => p.type === "tool-call");
    expect(complete?.type === "tool-call" && complete.toolCall).toMatchObject({ name: "get_weather", args: { city: "Nice" } });
    expect(parts.filter((p) => p.type === "tool-call-delta")).toHaveLength(1);
  });

  it("a thought signature comes back unchanged from a stream too, through the engine's collector", async () => {
    server().script("gemini-test", [{ toolCalls: [{ id: "fc_9", name: "get_weather", args: { city: "Oslo" } }] }]);
    const chat = createFallback({ models: [{ model: model() }] });
    const stream = chat.stream({ ...ask, tools: [weatherTool] });
    for await (const _ of stream) {
      // read to the end
    }
    const result = await stream.result;
    expect(result.toolCalls[0]?.providerMetadata).toEqual(signedByTest(faultThoughtSignature("fc_9")));
    await chat.generate({
      ...ask,
      tools: [weatherTool],
      messages: [
        ...ask.messages,
        assistantMessageOf(result),
        { role: "tool", content: [{ type: "tool-result", toolCallId: "fc_9", toolName: "get_weather", result: 3 }] },
      ],
    });
    expect(sent(1).contents[1]).toEqual({
      role: "model",
      parts: [
        {
          functionCall: { id: "fc_9", name: "get_weather", args: { city: "Oslo" } },
          thoughtSignature: faultThoughtSignature("fc_9"),
        },
      ],
    });
  });

  it("calls without ids get stable made-up ones, never sent back: results are matched by name and order", async () => {
    const noIds: FaultStep = {
      toolCalls: [
        { name: "get_weather", args: { city: "Paris" }, omitId: true },
        { name: "get_weather", args: { city: "Lyon" }, omitId: true },
      ],
    };
    server().script("gemini-test", [noIds, noIds]);
    const response = await model().generate({ ...ask, tools: [weatherTool] }, call());
    const [first, second] = response.toolCalls;
    expect(first?.id).not.toBe(second?.id);
    expect(first?.id).toMatch(/^gemini_call_/);
    const { parts } = await readStream(model(), { ...ask, tools: [weatherTool] });
    const streamed = parts.flatMap((p) => (p.type === "tool-call" ? [p.toolCall.id] : []));
    const deltas = parts.flatMap((p) => (p.type === "tool-call-delta" ? [p.id] : []));
    expect(streamed).toHaveLength(2);
    expect(deltas).toEqual(streamed);
    expect(new Set(streamed).size).toBe(2);

    await model().generate(
      {
        ...ask,
        tools: [weatherTool],
        messages: [
          ...ask.messages,
          assistantMessageOf(response),
          {
            role: "tool",
            content: [
              { type: "tool-result", toolCallId: second?.id ?? "", toolName: "get_weather", result: "18" },
              { type: "tool-result", toolCallId: first?.id ?? "", toolName: "get_weather", result: "21" },
            ],
          },
        ],
      },
      call(),
    );
    expect(sent(2).contents.slice(1)).toEqual([
      {
        role: "model",
        parts: [
          { functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: expect.any(String) },
          { functionCall: { name: "get_weather", args: { city: "Lyon" } } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_weather", response: { output: "21" } } },
          { functionResponse: { name: "get_weather", response: { output: "18" } } },
        ],
      },
    ]);
  });

  it("made-up ids never repeat across answers, even when a proxy repeats the responseId", async () => {
    const body = JSON.stringify({
      candidates: [
        { content: { role: "model", parts: [{ functionCall: { name: "get_weather", args: {} } }] }, finishReason: "STOP" },
      ],
      responseId: "same",
    });
    const sse = `data: ${body}\r\n\r\n`;
    server().script("gemini-test", [
      { rawBody: { body } },
      { rawBody: { body } },
      { rawBody: { contentType: "text/event-stream", body: sse } },
    ]);
    const first = await model().generate({ ...ask, tools: [weatherTool] }, call());
    const second = await model().generate({ ...ask, tools: [weatherTool] }, call());
    const { parts } = await readStream(model(), { ...ask, tools: [weatherTool] });
    const streamed = parts.flatMap((p) => (p.type === "tool-call" ? [p.toolCall.id] : []));
    expect(parts.flatMap((p) => (p.type === "tool-call-delta" ? [p.id] : []))).toEqual(streamed);
    const ids = [first.toolCalls[0]?.id, second.toolCalls[0]?.id, ...streamed];
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^gemini_call_same_[0-9a-f]{8}_0$/);
  });

  it("results split over two tool messages in the other order reach Gemini in the order of the calls (no ids to match)", async () => {
    const noIds: FaultStep = {
      toolCalls: [
        { name: "get_weather", args: { city: "Paris" }, omitId: true },
        { name: "get_weather", args: { city: "Lyon" }, omitId: true },
      ],
    };
    server().script("gemini-test", [noIds]);
    const response = await model().generate({ ...ask, tools: [weatherTool] }, call());
    const [paris, lyon] = response.toolCalls;
    const result = (id: string | undefined, value: string) =>
      ({
        role: "tool",
        content: [{ type: "tool-result", toolCallId: id ?? "", toolName: "get_weather", result: value }],
      }) as const;
    await model().generate(
      {
        ...ask,
        tools: [weatherTool],
        messages: [...ask.messages, assistantMessageOf(response), result(lyon?.id, "Lyon 18"), result(paris?.id, "Paris 21")],
      },
      call(),
    );
    expect(sent(1).contents[2]).toEqual({
      role: "user",
      parts: [
        { functionResponse: { name: "get_weather", response: { output: "Paris 21" } } },
        { functionResponse: { name: "get_weather", response: { output: "Lyon 18" } } },
      ],
    });
  });

  it("a signature goes back only to the model that issued it: another Gemini model gets the skip value instead", async () => {
    server().script("gemini-3-pro", [{ toolCalls: [{ id: "fc_1", name: "get_weather", args: { city: "Paris" } }] }]);
    const pro = google("gemini-3-pro", { apiKey, baseURL: server().geminiBaseURL });
    const flash = google("gemini-3-flash", { apiKey, baseURL: server().geminiBaseURL });
    const response = await pro.generate({ ...ask, tools: [weatherTool] }, call());
    expect(response.toolCalls[0]?.providerMetadata).toMatchObject({ google: { signedBy: "gemini-3-pro" } });
    const next: ChatRequest = {
      ...ask,
      tools: [weatherTool],
      messages: [
        ...ask.messages,
        assistantMessageOf(response),
        { role: "tool", content: [{ type: "tool-result", toolCallId: "fc_1", toolName: "get_weather", result: "21" }] },
      ],
    };
    await flash.generate(next, call());
    await pro.generate(next, call());
    const signatureSentTo = (index: number) =>
      (sent(index).contents[1] as { parts: { thoughtSignature?: string }[] }).parts[0]?.thoughtSignature;
    expect(server().log[1]?.model).toBe("gemini-3-flash");
    expect(signatureSentTo(1)).toBe(foreignCallSignature);
    expect(signatureSentTo(2)).toBe(faultThoughtSignature("fc_1"));
  });

  it("another model's tool calls go to Gemini signed with the documented skip value", async () => {
    await model().generate(
      {
        tools: [weatherTool],
        messages: [
          ...ask.messages,
          { role: "assistant", content: [{ type: "tool-call", id: "toolu_01", name: "get_weather", args: { city: "Paris" } }] },
          { role: "tool", content: [{ type: "tool-result", toolCallId: "toolu_01", toolName: "get_weather", result: "21" }] },
        ],
      },
      call(),
    );
    expect(sent(0).contents[1]).toEqual({
      role: "model",
      parts: [
        {
          functionCall: { id: "toolu_01", name: "get_weather", args: { city: "Paris" } },
          thoughtSignature: foreignCallSignature,
        },
      ],
    });
  });

  it("sends images inline and by URL, JSON output as responseMimeType and schema, and providerOptions.google", async () => {
    await model().generate(
      {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "what is it?" },
              { type: "image", data: "iVBORw0KGgo=", mediaType: "image/png" },
              { type: "image", url: "https://example.com/cat.jpg" },
            ],
          },
        ],
        responseFormat: { type: "json", schema: { type: "object" } },
        providerOptions: { google: { thinkingConfig: { thinkingBudget: 512, includeThoughts: true } }, openai: { seed: 7 } },
      },
      call(),
    );
    expect(sent(0)).toMatchObject({
      contents: [
        {
          role: "user",
          parts: [
            { text: "what is it?" },
            { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
            { fileData: { fileUri: "https://example.com/cat.jpg", mimeType: "image/jpeg" } },
          ],
        },
      ],
      generationConfig: {
        responseMimeType: "application/json",
        responseJsonSchema: { type: "object" },
        thinkingConfig: { thinkingBudget: 512, includeThoughts: true },
      },
    });
    expect(JSON.stringify(sent(0))).not.toContain("seed");
  });

  it("refuses what Gemini cannot take before any call, as unsupported", async () => {
    const error = await expectModelError(model().generate({ ...ask, stopSequences: ["1", "2", "3", "4", "5", "6"] }, call()));
    expect(error).toMatchObject({ kind: "unsupported" });
    expect(error.message).toMatch(/stop sequences/);
    expect(server().log).toHaveLength(0);
  });

  it("reports invalid tool-call arguments without throwing, streamed or not", async () => {
    const broken = { toolCalls: [{ id: "fc_x", name: "get_weather", argsText: '{"city": "Par' }] };
    server().script("gemini-test", [broken, broken]);
    const response = await model().generate({ ...ask, tools: [weatherTool] }, call());
    expect(response.toolCalls[0]).toMatchObject({ id: "fc_x", args: undefined, argsText: '{"city": "Par' });
    expect(response.toolCalls[0]?.argsError).toMatch(/JSON/);
    const { parts } = await readStream(model(), { ...ask, tools: [weatherTool] });
    const complete = parts.find((p) => p.type === "tool-call");
    expect(complete?.type === "tool-call" && complete.toolCall.argsError).toMatch(/JSON/);
  });

  it("uses a client of the user's as it is, with the API version it asks for", async () => {
    const client = new GoogleGenAI({ apiKey, apiVersion: "v1beta", httpOptions: { baseUrl: server().geminiBaseURL } });
    await google("gemini-test", { client }).generate(ask, call());
    expect(server().log[0]?.path).toBe("/v1beta/models/gemini-test:generateContent");
  });
});

describe("google adapter: finish reasons", () => {
  it.each<[string, FaultStep, string]>([
    ["MAX_TOKENS", { finishReason: "length" }, "length"],
    ["OTHER", { rawFinishReason: "OTHER" }, "other"],
    ["an unknown reason", { rawFinishReason: "SOMETHING_NEW" }, "other"],
  ])("%s → %s, generated and streamed", async (_name, step, reason) => {
    server().script("gemini-test", [step, step]);
    expect((await model().generate(ask, call())).finishReason).toBe(reason);
    expect((await readStream(model())).parts.at(-1)).toMatchObject({ type: "finish", finishReason: reason });
  });

  it.each<[string, string, string]>([
    ["SAFETY", "content_filter", "SAFETY"],
    ["PROHIBITED_CONTENT", "content_filter", "PROHIBITED_CONTENT"],
    ["RECITATION", "content_filter", "RECITATION"],
    ["BLOCKLIST", "content_filter", "BLOCKLIST"],
    ["SPII", "content_filter", "SPII"],
    ["IMAGE_SAFETY", "content_filter", "IMAGE_SAFETY"],
    ["MALFORMED_FUNCTION_CALL", "server", "MALFORMED_FUNCTION_CALL"],
    ["UNEXPECTED_TOOL_CALL", "server", "UNEXPECTED_TOOL_CALL"],
    ["MISSING_THOUGHT_SIGNATURE", "invalid_request", "MISSING_THOUGHT_SIGNATURE"],
    // Continuation is off: an answer that stops at a checkpoint was cut, never a `length` success.
    ["CONTINUATION", "stream_broken", "CONTINUATION"],
  ])("%s is a %s failure with the reason as its code, generated and streamed", async (reason, kind, code) => {
    server().script("gemini-test", [{ rawFinishReason: reason }, { rawFinishReason: reason }]);
    expect(await expectModelError(model().generate(ask, call()))).toMatchObject({ kind, providerCode: code });
    expect((await readStream(model())).error).toMatchObject({ kind, providerCode: code });
  });

  it.each<[string, FaultStep]>([
    ["STOP", { text: "" }],
    ["OTHER", { text: "", rawFinishReason: "OTHER" }],
    ["TOO_MANY_TOOL_CALLS", { text: "", rawFinishReason: "TOO_MANY_TOOL_CALLS" }],
    ["a reason of the future", { text: "", rawFinishReason: "SOMETHING_NEW" }],
  ])("%s with neither text nor calls is no answer: a server failure, generated and streamed", async (_reason, step) => {
    server().script("gemini-test", [step, step]);
    const error = await expectModelError(model().generate(ask, call()));
    expect(error).toMatchObject({ kind: "server" });
    expect(error.message).toMatch(/answered nothing/);
    expect((await readStream(model())).error).toMatchObject({
      kind: "server",
      message: expect.stringMatching(/answered nothing/),
    });
  });

  it("an empty answer (Gemini 2.5's known STOP with no content) falls over to the next model", async () => {
    const body = JSON.stringify({
      candidates: [{ finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 },
      responseId: "e",
    });
    server()
      .script("gemini-test", [{ rawBody: { body } }])
      .script("gemini-backup", [{ text: "A real answer." }]);
    const chat = createFallback({ models: [{ model: model(), retry: { maxAttempts: 1 } }, { model: model("gemini-backup") }] });
    const result = await chat.generate(ask);
    expect(result).toMatchObject({ text: "A real answer.", model: "google:gemini-backup" });
    expect(result.attempts[0]).toMatchObject({ kind: "server" });
  });

  it("FINISH_REASON_UNSPECIFIED is no finish: a stream that says only that and ends is broken, an answer malformed", async () => {
    const chunk = (text: string) =>
      `data: ${JSON.stringify({
        candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "FINISH_REASON_UNSPECIFIED" }],
        responseId: "r",
      })}\r\n\r\n`;
    server().script("gemini-test", [
      { rawBody: { contentType: "text/event-stream", body: chunk("The answer is ") + chunk("forty") } },
      { rawFinishReason: "FINISH_REASON_UNSPECIFIED" },
    ]);
    const { parts, error } = await readStream(model());
    expect(parts.filter((p) => p.type === "text-delta")).toHaveLength(2);
    expect(error).toMatchObject({ kind: "stream_broken", message: "the stream ended without a finishReason" });
    const unfinished = await expectModelError(model().generate(ask, call()));
    expect(unfinished).toMatchObject({ kind: "server" });
    expect(unfinished.message).toMatch(/without a finishReason/);
  });

  it("a blocked prompt (promptFeedback.blockReason, no candidates) is content_filter with the reason", async () => {
    server().script("gemini-test", [faults.contentPolicy(), faults.contentPolicy()]);
    const error = await expectModelError(model().generate(ask, call()));
    expect(error).toMatchObject({ kind: "content_filter", providerCode: "SAFETY", status: undefined });
    expect(error.message).toMatch(/blockReason SAFETY/);
    expect((await readStream(model())).error).toMatchObject({ kind: "content_filter", providerCode: "SAFETY" });
  });

  it("a safety stop mid-stream is content_filter after the text already shown", async () => {
    server().script("gemini-test", [faults.midStreamError("content_policy", 2)]);
    const { parts, error } = await readStream(model());
    expect(parts.filter((p) => p.type === "text-delta")).toHaveLength(2);
    expect(error).toMatchObject({ kind: "content_filter", providerCode: "SAFETY" });
  });
});

describe("google adapter: failures", () => {
  it.each<[string, FaultStep, string, number]>([
    ["429 per minute", faults.rateLimit(), "rate_limit", 429],
    ["429 per day", faults.quota(), "quota", 429],
    ["400 FAILED_PRECONDITION billing", { failure: "billing" }, "quota", 400],
    ["500 INTERNAL", faults.serverError(), "server", 500],
    ["502 (an HTML page)", { failure: "bad_gateway" }, "server", 502],
    ["503 UNAVAILABLE", faults.overloaded(), "overloaded", 503],
    ["504 DEADLINE_EXCEEDED", { failure: "gateway_timeout" }, "server", 504],
    ["400 input token count", faults.contextLength(), "context_length", 400],
    ["400 API key not valid", faults.unauthorized(), "auth", 400],
    ["401 UNAUTHENTICATED", faults.unauthenticated(), "auth", 401],
    ["403 PERMISSION_DENIED", { failure: "forbidden" }, "auth", 403],
    ["404 model not found", { failure: "not_found" }, "invalid_request", 404],
    ["400 INVALID_ARGUMENT", { failure: "invalid_request" }, "invalid_request", 400],
    ["400 unknown field (Gemini has no 422)", { failure: "unprocessable" }, "invalid_request", 400],
  ])("%s → %s", async (_name, step, kind, status) => {
    const error = await failureOf(step);
    expect(error).toMatchObject({ kind, status, provider: "google", model: "gemini-test" });
  });

  it.each<[string, "server" | "overloaded" | "rate_limit" | "quota", string]>([
    ["INTERNAL", "server", "server"],
    ["UNAVAILABLE", "overloaded", "overloaded"],
    ["RESOURCE_EXHAUSTED per minute", "rate_limit", "rate_limit"],
    ["RESOURCE_EXHAUSTED per day", "quota", "quota"],
  ])("an error chunk mid-stream (%s) classifies from its body, with no status", async (_name, failure, kind) => {
    server().script("gemini-test", [faults.midStreamError(failure, 2)]);
    const { parts, error } = await readStream(model());
    expect(parts).toHaveLength(2);
    expect(error).toMatchObject({ kind, status: undefined });
  });

  it.each<[string, FaultStep, number | undefined]>([
    ["RetryInfo 36s", faults.rateLimit({ retryDelay: "36s" }), 36_000],
    ["RetryInfo 0.5s", faults.rateLimit({ retryDelay: "0.5s" }), 500],
    ["RetryInfo from ms", faults.rateLimit({ retryAfterMs: 1_250 }), 1_250],
    ["a 429 with nothing", faults.rateLimit(), undefined],
    ["RetryInfo on a daily quota", { failure: "quota", retry: { retryDelay: "3600s" } }, 3_600_000],
    [
      "retry-after headers, which Gemini never sends, are not read",
      faults.rateLimit({ headers: { "retry-after": "7" } }),
      undefined,
    ],
  ])("the delay: %s", async (_name, step, expected) => {
    expect((await failureOf(step)).retryAfterMs).toBe(expected);
  });

  it.each<[number, string]>([
    [429, "rate_limit"],
    [400, "invalid_request"],
    [401, "auth"],
    [503, "overloaded"],
    [413, "invalid_request"],
  ])(
    "an HTTP %i whose JSON body does not parse (a proxy's, cut) keeps its status: %s, generated and streamed",
    async (status, kind) => {
      const body = status === 413 ? "" : `{"error": {"code": ${status}, "message": "trunc`;
      const step: FaultStep = { rawBody: { status, contentType: "application/json", body } };
      server().script("gemini-test", [step, step]);
      const error = await expectModelError(model().generate(ask, call()));
      expect(error).toMatchObject({ kind, status });
      expect(error.message).toMatch(/not JSON/);
      expect(error.message).not.toMatch(/200/);
      const streamed = (await readStream(model())).error;
      expect(streamed).toMatchObject({ kind, status });
      expect(streamed?.message).not.toMatch(/200/);
    },
  );

  it("an error's request id is read from its headers when a proxy sent one (Gemini sends none)", async () => {
    const proxied = faults.rateLimit({ headers: { "x-request-id": "req_proxy_7" } });
    server().script("gemini-test", [proxied, proxied, faults.overloaded()]);
    expect(await expectModelError(model().generate(ask, call()))).toMatchObject({ kind: "rate_limit", requestId: "req_proxy_7" });
    expect((await readStream(model())).error).toMatchObject({ kind: "rate_limit", requestId: "req_proxy_7" });
    expect(await expectModelError(model().generate(ask, call()))).toMatchObject({ kind: "overloaded", requestId: undefined });
  });

  it("429 RESOURCE_EXHAUSTED MODEL_CAPACITY_EXHAUSTED (no capacity for anyone) is overloaded, not this key's rate limit", async () => {
    const body = JSON.stringify({
      error: {
        code: 429,
        message: "No capacity available for model gemini-3-pro-preview on the server",
        status: "RESOURCE_EXHAUSTED",
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            reason: "MODEL_CAPACITY_EXHAUSTED",
            domain: "generativelanguage.googleapis.com",
            metadata: { model: "gemini-3-pro-preview" },
          },
        ],
      },
    });
    expect(await failureOf({ rawBody: { status: 429, body } })).toMatchObject({
      kind: "overloaded",
      status: 429,
      providerCode: "MODEL_CAPACITY_EXHAUSTED",
    });
  });

  it("a connection reset before the headers is a connection failure", async () => {
    expect(await failureOf(faults.connectionReset())).toMatchObject({ kind: "connection" });
  });

  it("a stream cut after some tokens without its finish is broken", async () => {
    server().script("gemini-test", [faults.cutStream(2)]);
    const { parts, error } = await readStream(model());
    expect(parts).toHaveLength(2);
    expect(error).toMatchObject({ kind: "stream_broken" });
  });

  it("a connection reset mid-stream is a broken stream once content arrived, a connection failure before", async () => {
    server().script("gemini-test", [{ resetAfterTokens: 2, tokenDelayMs: 20 }, { resetAfterTokens: 0 }]);
    const midStream = await readStream(model());
    expect(midStream.parts.length).toBeGreaterThan(0);
    expect(midStream.error).toMatchObject({ kind: "stream_broken" });
    const beforeContent = await readStream(model());
    expect(beforeContent.parts).toHaveLength(0);
    expect(beforeContent.error).toMatchObject({ kind: "connection" });
  });

  it("a malformed chunk is a broken stream", async () => {
    server().script("gemini-test", [faults.malformedStream(1)]);
    const { parts, error } = await readStream(model());
    expect(parts).toHaveLength(1);
    expect(error).toMatchObject({ kind: "stream_broken" });
    expect(error?.message).toMatch(/^malformed stream: /);
  });

  it("the caller's abort is reported as aborted, generated or streamed", async () => {
    server().script("gemini-test", [faults.silent(), faults.stallStream(1)]);
    const controller = new AbortController();
    const pending = expectModelError(model().generate(ask, { signal: controller.signal }));
    await waitFor(() => server().log.length === 1);
    controller.abort();
    expect(await pending).toMatchObject({ kind: "aborted" });

    const streamAbort = new AbortController();
    const reading = readAdapterStream(model(), ask, streamAbort.signal);
    await waitFor(() => server().log.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    streamAbort.abort();
    const { parts, error } = await reading;
    expect(parts).toHaveLength(1);
    expect(error).toMatchObject({ kind: "aborted" });
  });

  it("a client's own timeout does not undercut the pipeline's timers (the adapter's sdkTimeoutMs decides)", async () => {
    const impatient = new GoogleGenAI({ apiKey, httpOptions: { baseUrl: server().geminiBaseURL, timeout: 100 } });
    server().script("gemini-bare", [{ delayMs: 300 }]);
    const bare = await impatient.models.generateContent({ model: "gemini-bare", contents: "hi" }).catch((e: unknown) => e);
    expect(bare).toMatchObject({ name: "AbortError" });
    server().script("gemini-test", [{ delayMs: 300 }]);
    expect((await google("gemini-test", { client: impatient }).generate(ask, call())).finishReason).toBe("stop");
  });

  it("the SDK's own timeout, when one is set, is a timeout (the caller did not abort)", async () => {
    server().script("gemini-test", [faults.silent()]);
    const adapter = google("gemini-test", { apiKey, baseURL: server().geminiBaseURL, sdkTimeoutMs: 100 });
    expect(await expectModelError(adapter.generate(ask, call()))).toMatchObject({ kind: "timeout" });
  });
});

describe("google adapter: retries belong to the pipeline", () => {
  it("a client of the user's with retryOptions makes one request per attempt (the SDK alone would retry)", async () => {
    const retrying = () =>
      new GoogleGenAI({
        apiKey,
        httpOptions: { baseUrl: server().geminiBaseURL, retryOptions: { attempts: 3, initialDelay: 0.01, maxDelay: 0.01 } },
      });
    // The client on its own retries a 503: the test would pass for the wrong reason otherwise.
    server().script("gemini-bare", [faults.overloaded(), faults.overloaded()]);
    const bare = await retrying().models.generateContent({ model: "gemini-bare", contents: "hi" });
    expect(bare.candidates?.[0]?.finishReason).toBe("STOP");
    expectAttempts(server(), "gemini-bare", 3);

    server().script("gemini-test", [faults.overloaded(), faults.overloaded()]);
    expect(await expectModelError(google("gemini-test", { client: retrying() }).generate(ask, call()))).toMatchObject({
      kind: "overloaded",
    });
    expectAttempts(server(), "gemini-test", 1);
    expect((await readAdapterStream(google("gemini-test", { client: retrying() }), ask)).error).toMatchObject({
      kind: "overloaded",
    });
    expectAttempts(server(), "gemini-test", 2);
  });

  it("the SDK's automatic continuation is off: a stream that stops at a checkpoint is not reopened behind the pipeline", async () => {
    const checkpoint = `data: ${JSON.stringify({
      candidates: [{ content: { role: "model", parts: [{ text: "Part one." }] }, continuationToken: "tok-1", index: 0 }],
      responseId: "r1",
    })}\r\n\r\n`;
    const rest: FaultStep = { text: "Part two." };
    // The SDK on its own would make a second request with the token, and hand over one long stream.
    server().script("gemini-bare", [{ rawBody: { contentType: "text/event-stream", body: checkpoint } }, rest]);
    const bare = await new GoogleGenAI({ apiKey, httpOptions: { baseUrl: server().geminiBaseURL } }).models.generateContentStream(
      {
        model: "gemini-bare",
        contents: "hi",
      },
    );
    for await (const _ of bare) {
      // read to the end
    }
    expectAttempts(server(), "gemini-bare", 2);

    server().script("gemini-test", [{ rawBody: { contentType: "text/event-stream", body: checkpoint } }, rest]);
    const { parts, error } = await readStream(model());
    expect(parts).toEqual([{ type: "text-delta", text: "Part one." }]);
    expect(error).toMatchObject({ kind: "stream_broken" });
    expectAttempts(server(), "gemini-test", 1);
  });

  it("the pipeline waits out RetryInfo between the calls the server sees", async () => {
    server().script("gemini-test", [faults.rateLimit({ retryDelay: "0.3s" })]);
    const chat = createFallback({ models: [{ model: model(), retry: { initialDelayMs: 1 } }] });
    await chat.generate(ask);
    expectAttempts(server(), "gemini-test", 2);
    expectGapsAtLeast(server(), "gemini-test", 300);
  });
});

describe("google adapter under the pipeline's timers (real time, short and generous)", () => {
  it("a silent server is cut by the attempt timeout, and the server sees the hang-up", async () => {
    server().script("gemini-test", [faults.silent()]);
    const chat = createFallback({ models: [{ model: model(), timeout: { attemptMs: 200 } }, { model: model("gemini-backup") }] });
    const result = await chat.generate(ask);
    expect(result.model).toBe("google:gemini-backup");
    expect(result.attempts[0]).toMatchObject({ kind: "timeout" });
    await waitFor(() => server().requestsFor("gemini-test")[0]?.clientHungUp === true);
  });

  it("a stream that stalls is cut by the idle timeout, not taken as an empty success", async () => {
    server().script("gemini-test", [faults.stallStream(2)]);
    const chat = createFallback({
      models: [{ model: model(), timeout: { idleMs: 200 } }, { model: model("gemini-backup") }],
      midStream: "restart",
    });
    const stream = chat.stream(ask);
    const types: string[] = [];
    for await (const part of stream) types.push(part.type);
    expect(types).toContain("reset");
    const result = await stream.result;
    expect(result.model).toBe("google:gemini-backup");
    expect(result.attempts[0]).toMatchObject({ kind: "timeout" });
  });

  it("a slow first token is cut by the first-token timeout and falls over invisibly", async () => {
    server().script("gemini-test", [{ firstTokenDelayMs: 5_000 }]);
    const chat = createFallback({
      models: [{ model: model(), timeout: { firstTokenMs: 200 } }, { model: model("gemini-backup") }],
    });
    const stream = chat.stream(ask);
    const types: string[] = [];
    for await (const part of stream) types.push(part.type);
    expect(types).not.toContain("reset");
    expect((await stream.result).model).toBe("google:gemini-backup");
  });
});
