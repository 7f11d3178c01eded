import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { type ChatRequest, createFallback, isRequestError } from "../index.ts";

const model = scriptedModel({ modelId: "m" });
const chat = createFallback({ models: [{ model }] });
const user = { role: "user" as const, content: "hi" };
const callMessage = { role: "assistant" as const, content: [{ type: "tool-call" as const, id: "c1", name: "t", args: {} }] };
const tools = [{ name: "t", inputSchema: { type: "object" } }];

describe("request validation, before any call", () => {
  it.each<[string, unknown, string]>([
    ["no request", undefined, "request"],
    ["no messages", {}, "request.messages"],
    ["empty messages", { messages: [] }, "request.messages"],
    ["system not a string", { system: 1, messages: [user] }, "request.system"],
    ["unknown role", { messages: [{ role: "system", content: "x" }] }, "request.messages[0].role"],
    ["message not an object", { messages: ["hi"] }, "request.messages[0]"],
    ["content neither string nor parts", { messages: [{ role: "user", content: 5 }] }, "request.messages[0].content"],
    ["unknown part type", { messages: [{ role: "user", content: [{ type: "audio" }] }] }, "request.messages[0].content[0].type"],
    ["image without source", { messages: [{ role: "user", content: [{ type: "image" }] }] }, "request.messages[0].content[0]"],
    [
      "tool call in a user message",
      { messages: [{ role: "user", content: [{ type: "tool-call", id: "1", name: "t" }] }] },
      "request.messages[0].content[0].type",
    ],
    [
      "tool result for no call",
      { messages: [user, { role: "tool", content: [{ type: "tool-result", toolCallId: "zz", toolName: "t", result: 1 }] }] },
      "request.messages[1].content[0].toolCallId",
    ],
    ["empty tool message", { messages: [user, callMessage, { role: "tool", content: [] }] }, "request.messages[2].content"],
    ["bad tool name", { messages: [user], tools: [{ name: "has space", inputSchema: {} }] }, "request.tools[0].name"],
    ["duplicate tool", { messages: [user], tools: [...tools, ...tools] }, "request.tools[1].name"],
    ["tool without schema", { messages: [user], tools: [{ name: "t" }] }, "request.tools[0].inputSchema"],
    ["tool choice without tools", { messages: [user], toolChoice: "required" }, "request.toolChoice"],
    [
      "tool choice of unknown tool",
      { messages: [user], tools, toolChoice: { type: "tool", name: "x" } },
      "request.toolChoice.name",
    ],
    ["zero max tokens", { messages: [user], maxTokens: 0 }, "request.maxTokens"],
    ["temperature too high", { messages: [user], temperature: 3 }, "request.temperature"],
    ["topP too high", { messages: [user], topP: 1.5 }, "request.topP"],
    ["empty stop sequence", { messages: [user], stopSequences: [""] }, "request.stopSequences"],
    ["unknown response format", { messages: [user], responseFormat: { type: "xml" } }, "request.responseFormat"],
  ])("%s", async (_name, request, path) => {
    const error = await chat.generate(request as ChatRequest).catch((e: unknown) => e);
    expect(isRequestError(error) && error.path).toBe(path);
    expect(model.calls).toHaveLength(0);
  });

  it("accepts a conversation with tools, tool calls, results and images", async () => {
    const result = await chat.generate({
      system: "be brief",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is this?" },
            { type: "image", data: "iVBORw0KGgo=", mediaType: "image/png" },
          ],
        },
        callMessage,
        { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "t", result: { ok: true } }] },
      ],
      tools,
      toolChoice: "auto",
      maxTokens: 100,
      temperature: 0.2,
      stopSequences: ["END"],
      responseFormat: { type: "json" },
    });
    expect(result.model).toBe("scripted:m");
  });
});

describe("requests are as strict as config", () => {
  function circularSchema(): Record<string, unknown> {
    const schema: Record<string, unknown> = { type: "object", properties: {} };
    (schema.properties as Record<string, unknown>).self = schema;
    return schema;
  }

  it.each<[string, unknown, string, RegExp]>([
    ["max_tokens", { messages: [user], max_tokens: 10 }, "request.max_tokens", /Did you mean `maxTokens`\?/],
    ["temprature", { messages: [user], temprature: 0.2 }, "request.temprature", /Did you mean `temperature`\?/],
    ["an unknown message key", { messages: [{ ...user, name: "bob" }] }, "request.messages[0].name", /not a known field/],
    [
      "an unknown part key",
      { messages: [{ role: "user", content: [{ type: "text", text: "x", cache: true }] }] },
      "request.messages[0].content[0].cache",
      /not a known field/,
    ],
    [
      "an unknown tool key",
      { messages: [user], tools: [{ name: "t", parameters: {}, inputSchema: { type: "object" } }] },
      "request.tools[0].parameters",
      /not a known field/,
    ],
    [
      "an inputSchema that is not an object schema",
      { messages: [user], tools: [{ name: "t", inputSchema: { type: "string" } }] },
      "request.tools[0].inputSchema",
      /JSON Schema of an object/,
    ],
    [
      "a circular inputSchema",
      { messages: [user], tools: [{ name: "t", inputSchema: circularSchema() }] },
      "request.tools[0].inputSchema",
      /circular reference at \.properties\.self/,
    ],
    [
      "a BigInt in inputSchema",
      { messages: [user], tools: [{ name: "t", inputSchema: { type: "object", maximum: 10n } }] },
      "request.tools[0].inputSchema",
      /BigInt at \.maximum/,
    ],
    [
      "a circular responseFormat.schema",
      { messages: [user], responseFormat: { type: "json", schema: circularSchema() } },
      "request.responseFormat.schema",
      /circular reference/,
    ],
    [
      "a BigInt in providerOptions",
      { messages: [user], providerOptions: { openai: { seed: 1n } } },
      "request.providerOptions",
      /BigInt at \.openai\.seed/,
    ],
    [
      "circular tool-call args in the history",
      {
        messages: [
          user,
          { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "t", args: circularSchema() }] },
          { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "t", result: "ok" }] },
        ],
      },
      "request.messages[1].content[0].args",
      /circular reference/,
    ],
  ])("%s is a RequestError naming the field and the fix", async (_name, request, path, message) => {
    const error = await chat.generate(request as ChatRequest).catch((e: unknown) => e);
    expect(isRequestError(error)).toBe(true);
    expect(error).toMatchObject({ path });
    expect((error as Error).message).toMatch(message);
  });

  it("a caller's unserialisable request never reaches a model nor touches its health", async () => {
    const primary = scriptedModel({ modelId: "primary" });
    const backup = scriptedModel({ modelId: "backup" });
    const strict = createFallback({ models: [{ model: primary, breaker: { consecutiveFailures: 1 } }, { model: backup }] });
    const bad = { messages: [user], tools: [{ name: "t", inputSchema: circularSchema() }] };
    for (let i = 0; i < 5; i++) await strict.generate(bad).catch(() => {});
    expect(primary.calls).toHaveLength(0);
    expect(strict.health().map((m) => [m.breaker, m.recentFailures])).toEqual([
      ["closed", 0],
      ["closed", 0],
    ]);
  });
});
