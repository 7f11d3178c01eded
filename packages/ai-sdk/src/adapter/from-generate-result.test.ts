import { type FailureSource, isModelError, type ModelError } from "@understudy/core/adapter";
import { describe, expect, it } from "vitest";
import { fromGenerateResult } from "./from-generate-result.ts";

const source: FailureSource = { provider: "google", model: "gemini-test", secrets: ["sk-live-SECRET0123456789"] };
const usage = { inputTokens: { total: 3, noCache: 3 }, outputTokens: { total: 2 } };
const result = (content: unknown[], finishReason: unknown = { unified: "stop", raw: "STOP" }) => ({
  content,
  finishReason,
  usage,
  warnings: [],
  response: { id: "resp_1", modelId: "gemini-test-001", headers: {} },
});
const failureOf = (value: unknown): ModelError => {
  try {
    fromGenerateResult(value, undefined, source);
  } catch (error) {
    if (isModelError(error)) return error;
    throw error;
  }
  throw new Error("expected a failure");
};

describe("fromGenerateResult", () => {
  it("joins the text, merges its provider facts, keeps the caller's tool calls with theirs, and leaves the rest out", () => {
    const response = fromGenerateResult(
      result(
        [
          { type: "reasoning", text: "hmm", providerMetadata: { anthropic: { signature: "s" } } },
          { type: "text", text: "Hello ", providerMetadata: { google: { thoughtSignature: "a" } } },
          { type: "source", sourceType: "url", id: "s1", url: "https://example.test" },
          { type: "text", text: "there.", providerMetadata: { google: { thoughtSignature: "b", extra: 1 } } },
          {
            type: "tool-call",
            toolCallId: "c1",
            toolName: "lookup",
            input: '{"q":1}',
            providerMetadata: { google: { thoughtSignature: "c" } },
          },
          { type: "tool-call", toolCallId: "c2", toolName: "lookup", input: { q: 2 } },
          { type: "tool-call", toolCallId: "ws", toolName: "web_search", input: "{}", providerExecuted: true },
          { type: "tool-result", toolCallId: "ws", toolName: "web_search", result: {} },
        ],
        { unified: "tool-calls", raw: "STOP" },
      ),
      "req_1",
      source,
    );
    expect(response).toEqual({
      text: "Hello there.",
      providerMetadata: { google: { thoughtSignature: "b", extra: 1 } },
      toolCalls: [
        {
          id: "c1",
          name: "lookup",
          args: { q: 1 },
          argsText: '{"q":1}',
          providerMetadata: { google: { thoughtSignature: "c" } },
        },
        { id: "c2", name: "lookup", args: { q: 2 }, argsText: '{"q":2}' },
      ],
      finishReason: "tool-calls",
      usage: { inputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 2, reasoningTokens: 0, estimated: false },
      responseId: "resp_1",
      responseModel: "gemini-test-001",
      requestId: "req_1",
    });
  });

  it.each<[string, unknown, string]>([
    ["v2 stop", "stop", "stop"],
    ["v2 unknown (nothing to go by in a complete answer)", "unknown", "other"],
    ["v3 other without a raw reason", { unified: "other", raw: undefined }, "other"],
    ["v4 length", { unified: "length", raw: "MAX_TOKENS" }, "length"],
    ["junk", 42, "other"],
  ])("finish %s → %s", (_name, finishReason, expected) => {
    expect(fromGenerateResult(result([{ type: "text", text: "ok" }], finishReason), undefined, source).finishReason).toBe(
      expected,
    );
  });

  it.each<[string, unknown, string]>([
    ["error", { unified: "error", raw: "OTHER" }, "server"],
    ["interrupted", { unified: "interrupted", raw: undefined }, "stream_broken"],
    ["content-filter", { unified: "content-filter", raw: "SAFETY" }, "content_filter"],
    ["v2 content-filter", "content-filter", "content_filter"],
  ])("a finish reason %s is no answer: %s", (_name, finishReason, kind) => {
    expect(failureOf(result([{ type: "text", text: "I can't help with that." }], finishReason))).toMatchObject({ kind });
  });

  it("a withheld answer quotes what the model said, and the raw reason", () => {
    const error = failureOf(
      result([{ type: "text", text: "I can't help with that." }], { unified: "content-filter", raw: "SAFETY" }),
    );
    expect(error).toMatchObject({ providerMessage: "I can't help with that.", providerCode: "SAFETY" });
  });

  it.each<[string, unknown]>([
    ["no result", undefined],
    ["no content list", { content: "hi" }],
    ["a part that is not an object", { content: ["hi"] }],
    ["text that is not text", { content: [{ type: "text", text: 7 }] }],
    ["a tool call without a name", { content: [{ type: "tool-call", toolCallId: "c", input: "{}" }] }],
  ])("%s is a server failure", (_name, value) => {
    expect(failureOf(value)).toMatchObject({ kind: "server", status: undefined });
  });
});
