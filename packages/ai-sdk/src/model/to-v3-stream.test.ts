import type { LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { createFallback, type ModelAdapter, type StreamPart } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { asLanguageModel } from "../index.ts";

const usage = {
  inputTokens: 10,
  cachedInputTokens: 4,
  cacheWriteTokens: 2,
  outputTokens: 7,
  reasoningTokens: 3,
  estimated: false,
};

/** A model that streams exactly these parts: the bridge's translation is seen part by part. */
function streaming(parts: readonly StreamPart[]): ModelAdapter {
  return {
    provider: "fixed",
    modelId: "fixed-model",
    generate: () => Promise.reject(new Error("stream only")),
    async *stream() {
      yield* parts;
    },
  };
}

async function specParts(model: ModelAdapter): Promise<LanguageModelV3StreamPart[]> {
  const bridge = asLanguageModel(createFallback({ models: [{ model }] }));
  const { stream } = await bridge.doStream({ prompt: [{ role: "user", content: [{ type: "text", text: "Hi" }] }] });
  const parts: LanguageModelV3StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe("the bridge's stream, part by part", () => {
  it("starts once, keeps reasoning, text and tool input in the model's order, and ends with who answered", async () => {
    const parts = await specParts(
      streaming([
        { type: "reasoning-delta", text: "Think.", providerMetadata: { anthropic: { signature: "sig" } } },
        { type: "text-delta", text: "Let me check. " },
        { type: "tool-call-delta", id: "call_1", name: "lookup", argsTextDelta: '{"q":' },
        { type: "tool-call-delta", id: "call_1", name: "lookup", argsTextDelta: '"x"}' },
        {
          type: "tool-call",
          toolCall: {
            id: "call_1",
            name: "lookup",
            args: { q: "x" },
            argsText: '{"q":"x"}',
            providerMetadata: { google: { thoughtSignature: "t1" } },
          },
        },
        { type: "finish", finishReason: "tool-calls", usage, responseId: "resp_1", responseModel: "fixed-model-2026" },
      ]),
    );
    expect(parts.map((part) => part.type)).toEqual([
      "stream-start",
      "reasoning-start",
      "reasoning-delta",
      "reasoning-end",
      "text-start",
      "text-delta",
      "text-end",
      "tool-input-start",
      "tool-input-delta",
      "tool-input-delta",
      "tool-input-end",
      "tool-call",
      "response-metadata",
      "finish",
    ]);
    expect(parts[2]).toMatchObject({ providerMetadata: { anthropic: { signature: "sig" } } });
    expect(parts.find((part) => part.type === "tool-call")).toEqual({
      type: "tool-call",
      toolCallId: "call_1",
      toolName: "lookup",
      input: '{"q":"x"}',
      providerMetadata: { google: { thoughtSignature: "t1" } },
    });
    expect(parts.find((part) => part.type === "response-metadata")).toMatchObject({ id: "resp_1", modelId: "fixed-model-2026" });
    const finish = parts.at(-1);
    expect(finish).toMatchObject({
      type: "finish",
      finishReason: { unified: "tool-calls" },
      usage: {
        inputTokens: { total: 16, noCache: 10, cacheRead: 4, cacheWrite: 2 },
        outputTokens: { total: 7, text: 4, reasoning: 3 },
      },
      providerMetadata: { understudy: { model: "fixed:fixed-model", attempts: [{ outcome: "success" }] } },
    });
    // Provider metadata must be JSON: `ai` stores and sends it back as is.
    expect(JSON.parse(JSON.stringify(finish))).toEqual(finish);
  });

  it("holds the stream until the backup's first content when the primary fails first", async () => {
    const primary = scriptedModel({ modelId: "primary", script: [{ error: "overloaded" }] });
    const backup = scriptedModel({ modelId: "backup", script: [{ text: "from backup" }] });
    const chain = createFallback({ models: [{ model: primary }, { model: backup }], defaults: { retry: { maxAttempts: 1 } } });
    const bridge = asLanguageModel(chain);
    const { stream } = await bridge.doStream({ prompt: [{ role: "user", content: [{ type: "text", text: "Hi" }] }] });
    const parts: LanguageModelV3StreamPart[] = [];
    for await (const part of stream) parts.push(part);
    expect(parts.filter((part) => part.type === "stream-start")).toHaveLength(1);
    expect(parts[0]?.type).toBe("stream-start");
    expect(parts.find((part) => part.type === "response-metadata")).toMatchObject({ modelId: "backup" });
  });

  it("stops the chain's call when the consumer cancels the stream", async () => {
    const slow = scriptedModel({ modelId: "slow", script: [{ text: "a b c d e f g h", chunks: 8, chunkDelayMs: 20 }] });
    const bridge = asLanguageModel(createFallback({ models: [{ model: slow }] }));
    const { stream } = await bridge.doStream({ prompt: [{ role: "user", content: [{ type: "text", text: "Hi" }] }] });
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel();
    await expect.poll(() => slow.calls[0]?.signal.aborted).toBe(true);
    expect(slow.inFlight).toBe(0);
  });
});

describe("provider metadata round trips through ai's tool loop", () => {
  it("gives a tool call's providerMetadata back on the next turn (Gemini's thought signatures)", async () => {
    const toolStep = {
      toolCalls: [{ id: "c1", name: "lookup", args: { q: "x" }, providerMetadata: { google: { thoughtSignature: "sig-1" } } }],
    };
    const model = scriptedModel({
      modelId: "gemini-ish",
      script: [toolStep, { text: "done" }, toolStep, { text: "done" }],
    });
    const tools = { lookup: tool({ inputSchema: z.object({ q: z.string() }), execute: async () => "found" }) };
    const call = {
      model: asLanguageModel(createFallback({ models: [{ model }] })),
      prompt: "Go",
      tools,
      stopWhen: stepCountIs(2),
    };
    const runs = [async () => (await generateText(call)).text, () => streamText(call).text];
    for (const run of runs) {
      const before = model.calls.length;
      expect(await run()).toBe("done");
      const next = model.calls[before + 1]?.request;
      const assistant = next?.messages.find((message) => message.role === "assistant");
      expect(assistant?.content).toEqual([
        {
          type: "tool-call",
          id: "c1",
          name: "lookup",
          args: { q: "x" },
          providerMetadata: { google: { thoughtSignature: "sig-1" } },
        },
      ]);
    }
  });
});
