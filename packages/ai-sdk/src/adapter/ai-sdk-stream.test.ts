import { APICallError } from "@ai-sdk/provider";
import { type FailureSource, isModelError, type ModelError, type StreamPart } from "@understudy/core/adapter";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aiSdkParts } from "./ai-sdk-stream.ts";

const source: FailureSource = { provider: "google", model: "gemini-test", secrets: ["sk-live-SECRET0123456789"] };
const usage = {
  inputTokens: { total: 10, noCache: 8, cacheRead: 2, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};
const finish = (unified: string, raw?: string) => ({ type: "finish", finishReason: { unified, raw }, usage });

/** A stream of AI SDK parts, as `doStream` hands it over; `pulled` counts what was read of it. */
function streamOf(parts: readonly unknown[], end?: unknown) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<unknown>(
    {
      pull(controller) {
        if (state.pulled < parts.length) controller.enqueue(parts[state.pulled++]);
        else if (end === undefined) controller.close();
        else controller.error(end);
      },
      cancel() {
        state.cancelled = true;
      },
    },
    // Nothing read ahead: `pulled` is what the consumer asked for.
    { highWaterMark: 0 },
  );
  return { stream, state };
}

async function read(parts: readonly unknown[], options: { end?: unknown; signal?: AbortSignal } = {}) {
  const { stream, state } = streamOf(parts, options.end);
  const out: StreamPart[] = [];
  let error: ModelError | undefined;
  try {
    for await (const part of aiSdkParts(stream, options.signal ?? new AbortController().signal, "req_1", source)) out.push(part);
  } catch (caught) {
    if (!isModelError(caught)) throw caught;
    error = caught;
  }
  return { parts: out, error, state };
}

describe("aiSdkParts", () => {
  it("maps text, reasoning and tool calls, with their provider facts, and ends with finish", async () => {
    const signature = { google: { thoughtSignature: "sig-1" } };
    const { parts, error } = await read([
      { type: "stream-start", warnings: [] },
      { type: "response-metadata", id: "resp_1", modelId: "gemini-test-001", timestamp: new Date() },
      { type: "reasoning-start", id: "r" },
      { type: "reasoning-delta", id: "r", delta: "thinking" },
      { type: "reasoning-end", id: "r" },
      { type: "text-start", id: "t" },
      { type: "text-delta", id: "t", delta: "" },
      { type: "text-delta", id: "t", delta: "Hello", providerMetadata: signature },
      { type: "text-end", id: "t" },
      { type: "tool-input-start", id: "call_1", toolName: "lookup" },
      { type: "tool-input-delta", id: "call_1", delta: '{"q":' },
      { type: "tool-input-delta", id: "call_1", delta: '"x"}' },
      { type: "tool-input-end", id: "call_1" },
      { type: "tool-call", toolCallId: "call_1", toolName: "lookup", input: '{"q":"x"}', providerMetadata: signature },
      { type: "source", sourceType: "url", id: "s", url: "https://example.test" },
      { type: "raw", rawValue: {} },
      finish("tool-calls", "STOP"),
    ]);
    expect(error).toBeUndefined();
    expect(parts).toEqual([
      { type: "reasoning-delta", text: "thinking" },
      { type: "text-delta", text: "Hello", providerMetadata: signature },
      { type: "tool-call-delta", id: "call_1", name: "lookup", argsTextDelta: '{"q":' },
      { type: "tool-call-delta", id: "call_1", name: "lookup", argsTextDelta: '"x"}' },
      {
        type: "tool-call",
        toolCall: { id: "call_1", name: "lookup", args: { q: "x" }, argsText: '{"q":"x"}', providerMetadata: signature },
      },
      {
        type: "finish",
        finishReason: "tool-calls",
        usage: {
          inputTokens: 8,
          cachedInputTokens: 2,
          cacheWriteTokens: 0,
          outputTokens: 5,
          reasoningTokens: 0,
          estimated: false,
        },
        responseId: "resp_1",
        responseModel: "gemini-test-001",
        requestId: "req_1",
      },
    ]);
  });

  it("passes on none of a tool the provider ran itself", async () => {
    const { parts } = await read([
      { type: "tool-input-start", id: "ws_1", toolName: "web_search", providerExecuted: true },
      { type: "tool-input-delta", id: "ws_1", delta: '{"query":"x"}' },
      { type: "tool-call", toolCallId: "ws_1", toolName: "web_search", input: '{"query":"x"}', providerExecuted: true },
      { type: "tool-result", toolCallId: "ws_1", toolName: "web_search", result: {} },
      { type: "text-delta", id: "t", delta: "Found it." },
      finish("stop", "stop"),
    ]);
    expect(parts.map((part) => part.type)).toEqual(["text-delta", "finish"]);
  });

  it("stops reading at the finish part: what follows it is not the answer's", async () => {
    const { parts, error, state } = await read(
      [{ type: "text-delta", id: "t", delta: "ok" }, finish("stop", "stop"), finish("interrupted")],
      {
        end: new Error("never read"),
      },
    );
    expect(error).toBeUndefined();
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "stop" });
    expect(state.pulled).toBe(2);
    expect(state.cancelled).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ["v4 `interrupted` (the provider's stream ended without its completion signal)", finish("interrupted"), "stream_broken"],
    ["v3 `other` with no raw reason (the SDK's finish for a cut stream)", finish("other"), "stream_broken"],
    ["v2 `unknown`", { type: "finish", finishReason: "unknown", usage: {} }, "stream_broken"],
    ["`error`", finish("error"), "server"],
    ["`content-filter`", finish("content-filter", "SAFETY"), "content_filter"],
  ])("a finish reason %s is a failure (%s), never an answer", async (_name, last, kind) => {
    const { parts, error } = await read([{ type: "text-delta", id: "t", delta: "partial" }, last]);
    expect(parts.map((part) => part.type)).toEqual(["text-delta"]);
    expect(error).toMatchObject({ kind });
  });

  it.each<[string, unknown, string]>([
    ["v2 `other`", { type: "finish", finishReason: "other", usage: {} }, "other"],
    ["v3 `other` with a raw reason", finish("other", "MALFORMED_FUNCTION_CALL"), "other"],
    ["`length`", finish("length", "max_tokens"), "length"],
  ])("a finish reason %s is an answer (%s)", async (_name, last, reason) => {
    const { parts, error } = await read([{ type: "text-delta", id: "t", delta: "ok" }, last]);
    expect(error).toBeUndefined();
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: reason });
  });

  it("a stream that ends without finish is broken, or aborted when the signal fired", async () => {
    expect((await read([{ type: "text-delta", id: "t", delta: "par" }])).error).toMatchObject({ kind: "stream_broken" });
    const controller = new AbortController();
    controller.abort();
    expect((await read([{ type: "text-delta", id: "t", delta: "par" }], { signal: controller.signal })).error).toMatchObject({
      kind: "aborted",
    });
  });

  it("an error part ends the stream as the failure it describes, and the stream is let go", async () => {
    const { parts, error, state } = await read([
      { type: "text-delta", id: "t", delta: "one" },
      { type: "error", error: { type: "overloaded_error", message: "Overloaded", statusCode: 529 } },
      finish("error"),
    ]);
    expect(parts).toHaveLength(1);
    expect(error).toMatchObject({ kind: "overloaded", status: undefined, providerCode: "overloaded_error" });
    expect(state.cancelled).toBe(true);
  });

  it("a dropped connection is a broken stream after content, a connection failure before", async () => {
    const dropped = new APICallError({
      message: "Failed to process successful response",
      url: "https://example.test",
      requestBodyValues: {},
      statusCode: 200,
      cause: new TypeError("terminated", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) }),
    });
    expect((await read([{ type: "text-delta", id: "t", delta: "one" }], { end: dropped })).error).toMatchObject({
      kind: "stream_broken",
    });
    expect((await read([{ type: "stream-start", warnings: [] }], { end: dropped })).error).toMatchObject({ kind: "connection" });
  });

  it.each<[string, unknown]>([
    ["a part that is not an object", "text"],
    ["a text delta that is not text", { type: "text-delta", id: "t", delta: 42 }],
    ["a tool call without a name", { type: "tool-call", toolCallId: "c", input: "{}" }],
  ])("%s breaks the stream", async (_name, bad) => {
    const { error } = await read([{ type: "text-delta", id: "t", delta: "one" }, bad, finish("stop", "stop")]);
    expect(error).toMatchObject({ kind: "stream_broken" });
  });

  it("whatever parts a model streams, it yields valid parts or a ModelError, and at most one finish, last (property)", async () => {
    const part = fc.oneof(
      fc.record({ type: fc.constant("text-delta"), id: fc.constant("t"), delta: fc.oneof(fc.string(), fc.anything()) }),
      fc.record({
        type: fc.constantFrom("tool-input-start", "tool-input-delta"),
        id: fc.string(),
        toolName: fc.string(),
        delta: fc.string(),
      }),
      fc.record({
        type: fc.constant("tool-call"),
        toolCallId: fc.string(),
        toolName: fc.string(),
        input: fc.oneof(fc.string(), fc.json()),
      }),
      fc.record({
        type: fc.constant("finish"),
        finishReason: fc.oneof(fc.anything(), fc.record({ unified: fc.string(), raw: fc.string() })),
        usage: fc.anything(),
      }),
      fc.record({ type: fc.constant("error"), error: fc.anything() }),
      fc.anything(),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(part, { maxLength: 12 }), async (parts) => {
        const { parts: out } = await read(parts);
        const finishes = out.filter((p) => p.type === "finish");
        expect(finishes.length).toBeLessThanOrEqual(1);
        if (finishes.length === 1) expect(out.at(-1)?.type).toBe("finish");
      }),
    );
  });
});
