import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { type ChatRequest, createFallback, isRequestError } from "./index.ts";

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
