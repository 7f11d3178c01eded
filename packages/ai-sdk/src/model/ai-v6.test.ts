import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { anthropic } from "@understudy/anthropic";
import { createFallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import { faults } from "@understudy/testing";
import { useFaultServer } from "@understudy/testing/vitest";
// ai 6, installed beside ai 7 under an alias: it takes specification v2 and v3 models only.
import { generateText, type LanguageModel, stepCountIs, streamText, tool } from "ai-v6";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { asLanguageModel } from "../index.ts";

const server = useFaultServer();
/**
 * An ai 6 app resolves the `@ai-sdk/provider` peer to its major 3, whose types ai 6 uses; this
 * repository type-checks against major 4, whose JSON types are readonly, so the cast is only here.
 */
const modelOf = (): LanguageModel => asLanguageModel(chainOf()) as unknown as LanguageModel;
const chainOf = () =>
  createFallback({
    models: [
      { model: anthropic("claude-test", { apiKey: "sk-ant-sentinel-0123456789", baseURL: server().anthropicBaseURL }) },
      { model: openai("gpt-test", { apiKey: "sk-sentinel-0123456789", baseURL: server().openaiBaseURL }) },
    ],
    defaults: { retry: { maxAttempts: 1 } },
  });

describe("asLanguageModel under ai 6", () => {
  it("streams the backup's answer after a 529, one stream start, the answering model named", async () => {
    server().script("claude-test", () => faults.overloaded());
    const result = streamText({ model: modelOf(), prompt: "Hi" });
    const kinds: string[] = [];
    for await (const part of result.fullStream) kinds.push(part.type);
    expect(await result.text).toBe("This is gpt-test answering.");
    expect(kinds.filter((kind) => kind === "start-step")).toHaveLength(1);
    expect((await result.response).modelId).toBe("gpt-test");
    expect((await result.providerMetadata)?.understudy).toMatchObject({ model: "openai:gpt-test" });
  });

  it("runs a tool loop and reports a cut stream as an error", async () => {
    server().script("claude-test", [
      { toolCalls: [{ id: "call_9", name: "add", args: { a: 2, b: 3 } }] },
      { text: "5" },
      faults.cutStream(2),
    ]);
    const tools = { add: tool({ inputSchema: z.object({ a: z.number(), b: z.number() }), execute: async ({ a, b }) => a + b }) };
    const answered = await generateText({ model: modelOf(), prompt: "2+3?", tools, stopWhen: stepCountIs(3) });
    expect(answered.text).toBe("5");
    expect(answered.steps[0]?.toolResults).toMatchObject([{ toolCallId: "call_9", output: 5 }]);

    const errors: unknown[] = [];
    const cut = streamText({ model: modelOf(), prompt: "Story?", onError: ({ error }) => void errors.push(error) });
    await cut.consumeStream();
    expect(await cut.finishReason).toBe("error");
    expect(errors).toHaveLength(1);
  });

  it("pipes the UI message stream to a node:http response that a real client reads", async () => {
    server().script("claude-test", () => faults.overloaded());
    const http = createServer((_req, res) => {
      streamText({ model: modelOf(), prompt: "Hi" }).pipeUIMessageStreamToResponse(res);
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    try {
      const response = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
      const chunks = (await response.text())
        .split("\n")
        .filter((line) => line.startsWith("data: {"))
        .map((line) => JSON.parse(line.slice(6)) as { type: string; delta?: string });
      expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
      expect(chunks.map((chunk) => chunk.delta ?? "").join("")).toBe("This is gpt-test answering.");
      expect(chunks.at(-1)?.type).toBe("finish");
      expect(chunks.map((chunk) => chunk.type)).not.toContain("error");
    } finally {
      http.close();
      await once(http, "close");
    }
  });
});
