import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { assistantMessageOf, type ChatRequest, createFallback, isRequestError } from "../index.ts";

const signature = { google: { thoughtSignature: "c2lnbmF0dXJl" } };
const weather = { name: "get_weather", inputSchema: { type: "object", properties: { city: { type: "string" } } } };

describe("provider metadata round-trips", () => {
  it.each(["generate", "stream"] as const)(
    "%s: what an answer carries comes back on the next turn, untouched",
    async (method) => {
      const model = scriptedModel({
        modelId: "m",
        script: [
          {
            text: "Checking.",
            providerMetadata: signature,
            toolCalls: [{ id: "c1", name: "get_weather", args: { city: "Paris" }, providerMetadata: signature }],
          },
        ],
      });
      const chat = createFallback({ models: [{ model }] });
      const first: ChatRequest = { messages: [{ role: "user", content: "Weather in Paris?" }], tools: [weather] };
      const stream = method === "stream" ? chat.stream(first) : undefined;
      if (stream) for await (const _ of stream);
      const result = stream ? await stream.result : await chat.generate(first);
      expect(result.providerMetadata).toEqual(signature);
      expect(result.toolCalls[0]?.providerMetadata).toEqual(signature);

      const next: ChatRequest = {
        ...first,
        messages: [
          ...first.messages,
          assistantMessageOf(result),
          { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "get_weather", result: "sunny" }] },
        ],
      };
      await chat.generate(next);
      expect(model.calls[1]?.request.messages[1]).toEqual({
        role: "assistant",
        content: [
          { type: "text", text: "Checking.", providerMetadata: signature },
          { type: "tool-call", id: "c1", name: "get_weather", args: { city: "Paris" }, providerMetadata: signature },
        ],
      });
    },
  );

  it("metadata that is not objects keyed by provider is refused before any call", async () => {
    const model = scriptedModel({ modelId: "m" });
    const chat = createFallback({ models: [{ model }] });
    const error = await chat
      .generate({ messages: [{ role: "user", content: [{ type: "text", text: "hi", providerMetadata: "sig" as never }] }] })
      .catch((e: unknown) => e);
    expect(isRequestError(error)).toBe(true);
    expect(error).toMatchObject({ path: "request.messages[0].content[0].providerMetadata" });
    expect(model.calls).toHaveLength(0);
  });
});
