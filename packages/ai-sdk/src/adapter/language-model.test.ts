import type {
  LanguageModelV2,
  LanguageModelV2CallOptions,
  LanguageModelV2StreamPart,
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
} from "@ai-sdk/provider";
import { assistantMessageOf, type ChatRequest, createFallback } from "@understudy/core";
import { expectModelError, readAdapterStream } from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";
import { aiSdk } from "./ai-sdk-adapter.ts";
import { type AnyLanguageModel, specVersionOf } from "./language-model.ts";

// Hand-made models of the spec, for what no installed provider makes: a v2
// model (AI SDK 5), and a v4 model that sends provider facts (Gemini's
// thought signatures) the way @ai-sdk/google does.

function streamOf<Part>(parts: readonly Part[]): ReadableStream<Part> {
  return new ReadableStream<Part>({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}

const ask: ChatRequest = {
  messages: [
    {
      role: "user",
      content: [
        { type: "image", url: "https://example.test/cat.png" },
        { type: "text", text: "what?" },
      ],
    },
  ],
};
const call = () => ({ signal: new AbortController().signal });

/** A v2 model answering with `result` (or streaming `parts`), recording what it was called with. */
function v2Model(stream: readonly LanguageModelV2StreamPart[] = []) {
  const calls: LanguageModelV2CallOptions[] = [];
  const model: LanguageModelV2 = {
    specificationVersion: "v2",
    provider: "acme.chat",
    modelId: "acme-1",
    // It fetches https images itself: the URL goes through.
    supportedUrls: { "image/*": [/^https:\/\//] },
    async doGenerate(options) {
      calls.push(options);
      return {
        content: [
          { type: "reasoning", text: "hmm" },
          { type: "text", text: "Let me look." },
          { type: "tool-call", toolCallId: "c1", toolName: "lookup", input: '{"q":"cat"}' },
        ],
        finishReason: "tool-calls",
        usage: { inputTokens: 12, outputTokens: 5, totalTokens: 17, cachedInputTokens: 4, reasoningTokens: 2 },
        response: { id: "resp_v2", modelId: "acme-1-2025", headers: { "x-request-id": "req_v2" } },
        warnings: [],
      };
    },
    async doStream(options) {
      calls.push(options);
      return { stream: streamOf(stream), response: { headers: { "request-id": "req_v2s" } } };
    },
  };
  return { model, calls };
}

describe("a v2 model (AI SDK 5)", () => {
  it("answers: its flat usage normalised, its string finish reason, ids and the request id header", async () => {
    const { model, calls } = v2Model();
    const adapter = aiSdk(model);
    expect(adapter).toMatchObject({ provider: "acme", modelId: "acme-1" });
    const signal = new AbortController().signal;
    const response = await adapter.generate(ask, { signal });
    expect(response).toEqual({
      text: "Let me look.",
      toolCalls: [{ id: "c1", name: "lookup", args: { q: "cat" }, argsText: '{"q":"cat"}' }],
      finishReason: "tool-calls",
      usage: { inputTokens: 8, cachedInputTokens: 4, cacheWriteTokens: 0, outputTokens: 5, reasoningTokens: 2, estimated: false },
      responseId: "resp_v2",
      responseModel: "acme-1-2025",
      requestId: "req_v2",
    });
    expect(calls[0]?.abortSignal).toBe(signal);
    // v2 takes a URL object; the image's subtype comes from the URL's extension.
    expect(calls[0]?.prompt).toEqual([
      {
        role: "user",
        content: [
          { type: "file", data: new URL("https://example.test/cat.png"), mediaType: "image/png" },
          { type: "text", text: "what?" },
        ],
      },
    ]);
  });

  it("streams, and completes only at a finish the provider gave", async () => {
    const { model } = v2Model([
      { type: "stream-start", warnings: [] },
      { type: "response-metadata", id: "resp_s", modelId: "acme-1-2025" },
      { type: "text-delta", id: "t", delta: "Hi" },
      { type: "finish", finishReason: "stop", usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 } },
    ]);
    const { parts, error } = await readAdapterStream(aiSdk(model), ask);
    expect(error).toBeUndefined();
    expect(parts).toEqual([
      { type: "text-delta", text: "Hi" },
      {
        type: "finish",
        finishReason: "stop",
        usage: {
          inputTokens: 3,
          cachedInputTokens: 0,
          cacheWriteTokens: 0,
          outputTokens: 1,
          reasoningTokens: 0,
          estimated: false,
        },
        responseId: "resp_s",
        responseModel: "acme-1-2025",
        requestId: "req_v2s",
      },
    ]);

    const cut = v2Model([
      { type: "text-delta", id: "t", delta: "Hi" },
      { type: "finish", finishReason: "unknown", usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 } },
    ]);
    expect((await readAdapterStream(aiSdk(cut.model), ask)).error).toMatchObject({ kind: "stream_broken" });
  });
});

/** A v4 model that answers like Gemini: a thought signature on its text and on its tool call. */
function geminiLike(signature: string) {
  const calls: LanguageModelV4CallOptions[] = [];
  const facts = { google: { thoughtSignature: signature } };
  const answer = (turn: number): LanguageModelV4GenerateResult => ({
    content:
      turn === 0
        ? [
            { type: "text", text: "Checking.", providerMetadata: facts },
            { type: "tool-call", toolCallId: "c1", toolName: "lookup", input: '{"q":"cat"}', providerMetadata: facts },
          ]
        : [{ type: "text", text: "A cat." }],
    finishReason: { unified: turn === 0 ? "tool-calls" : "stop", raw: "STOP" },
    usage: {
      inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 3, text: 3, reasoning: 0 },
    },
    warnings: [],
  });
  const parts = (turn: number): LanguageModelV4StreamPart[] =>
    turn === 0
      ? [
          { type: "text-delta", id: "t", delta: "Checking.", providerMetadata: facts },
          { type: "tool-input-start", id: "c1", toolName: "lookup" },
          { type: "tool-input-delta", id: "c1", delta: '{"q":"cat"}' },
          { type: "tool-call", toolCallId: "c1", toolName: "lookup", input: '{"q":"cat"}', providerMetadata: facts },
          { type: "finish", finishReason: { unified: "tool-calls", raw: "STOP" }, usage: answer(0).usage },
        ]
      : [
          { type: "text-delta", id: "t", delta: "A cat." },
          { type: "finish", finishReason: { unified: "stop", raw: "STOP" }, usage: answer(1).usage },
        ];
  const model: LanguageModelV4 = {
    specificationVersion: "v4",
    provider: "google.generative-ai",
    modelId: "gemini-test",
    supportedUrls: {},
    async doGenerate(options) {
      calls.push(options);
      return answer(calls.length - 1);
    },
    async doStream(options) {
      calls.push(options);
      return { stream: streamOf(parts(calls.length - 1)) };
    },
  };
  return { model, calls, facts };
}

describe("provider facts round trip (Gemini thought signatures)", () => {
  it.each(["generate", "stream"] as const)(
    "%s: the facts of a tool call and its text come back on the next turn",
    async (method) => {
      const { model, calls, facts } = geminiLike(`sig-${method}`);
      const chat = createFallback({ models: [{ model: aiSdk(model) }] });
      const request: ChatRequest = {
        messages: [{ role: "user", content: "What is it?" }],
        tools: [{ name: "lookup", inputSchema: { type: "object" } }],
        providerOptions: { google: { thinkingConfig: { includeThoughts: true } } },
      };
      let first: Awaited<ReturnType<typeof chat.generate>>;
      if (method === "generate") first = await chat.generate(request);
      else {
        const stream = chat.stream(request);
        for await (const _ of stream);
        first = await stream.result;
      }
      expect(first.provider).toBe("google");
      expect(first.toolCalls[0]?.providerMetadata).toEqual(facts);

      await chat.generate({
        ...request,
        messages: [
          ...request.messages,
          assistantMessageOf(first),
          { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "lookup", result: "a cat" }] },
        ],
      });
      expect(calls[0]?.providerOptions).toEqual(request.providerOptions);
      const assistant = calls[1]?.prompt.find((message) => message.role === "assistant");
      expect(assistant?.content).toEqual([
        { type: "text", text: "Checking.", providerOptions: facts },
        { type: "tool-call", toolCallId: "c1", toolName: "lookup", input: { q: "cat" }, providerOptions: facts },
      ]);
    },
  );
});

describe("what a model resolves with is untrusted", () => {
  const odd = (generate: unknown, stream: unknown): LanguageModelV4 => ({
    specificationVersion: "v4",
    provider: "odd",
    modelId: "odd-1",
    supportedUrls: { "*/*": [/^https:\/\//] },
    doGenerate: async () => generate as LanguageModelV4GenerateResult,
    doStream: async () => stream as Awaited<ReturnType<LanguageModelV4["doStream"]>>,
  });

  it("a result that is no answer is a server failure; a stream result without a stream is a broken stream", async () => {
    const model = aiSdk(odd({ text: "hi" }, { stream: null }));
    expect(await expectModelError(model.generate(ask, call()))).toMatchObject({ kind: "server" });
    expect((await readAdapterStream(model, ask)).error).toMatchObject({ kind: "stream_broken" });
  });

  it("a model that throws a bare error is a server failure, not a dropped connection", async () => {
    const model: LanguageModelV4 = {
      ...odd(undefined, undefined),
      doGenerate: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'candidates')");
      },
    };
    expect(await expectModelError(aiSdk(model).generate(ask, call()))).toMatchObject({ kind: "server" });
  });
});

describe("specVersionOf", () => {
  it("takes v2, v3 and v4, and refuses anything else at construction", () => {
    for (const version of ["v2", "v3", "v4"] as const)
      expect(specVersionOf({ specificationVersion: version } as AnyLanguageModel)).toBe(version);
    const v1 = { specificationVersion: "v1", provider: "old", modelId: "old-1" } as unknown as AnyLanguageModel;
    expect(() => aiSdk(v1)).toThrow(/v2, v3 or v4, got v1/);
  });
});
