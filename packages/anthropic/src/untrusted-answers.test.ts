import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { type ChatRequest, countsAgainstHealth, createFallback, type ModelAdapter } from "@understudy/core";
import type { FaultStep } from "@understudy/testing";
import { expectModelError, readAdapterStream, useFaultServer } from "@understudy/testing/vitest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { anthropic } from "./anthropic.ts";

// Item 11 of the hardening issue: the body of a 200 is untrusted input, a
// missing key is `auth`, and a request the adapter cannot send is the
// caller's bug, not the model's.

const server = useFaultServer();
const apiKey = "sk-ant-sentinel-0123456789abcdef";
const model = (): ModelAdapter => anthropic("claude-test", { apiKey, baseURL: server().anthropicBaseURL });
const ask: ChatRequest = { messages: [{ role: "user", content: "hi" }] };
const call = () => ({ signal: new AbortController().signal });
const answering = (body: string, contentType?: string): FaultStep => ({
  rawBody: { body, ...(contentType ? { contentType } : {}) },
});
const generateWith = (step: FaultStep) => {
  server().script("claude-test", [step]);
  return model().generate(ask, call());
};
const message = (content: unknown) =>
  JSON.stringify({
    id: "msg_raw",
    type: "message",
    role: "assistant",
    model: "claude-test",
    content,
    stop_reason: "end_turn",
    usage: { input_tokens: 3, output_tokens: 2 },
  });

describe("anthropic adapter: a 200 whose body is an error is classified from that body", () => {
  it.each<[string, string, string]>([
    ["overloaded_error", "Overloaded", "overloaded"],
    ["rate_limit_error", "Number of requests has exceeded your per-minute rate limit.", "rate_limit"],
    ["authentication_error", "invalid x-api-key", "auth"],
    ["api_error", "Internal server error", "server"],
    ["invalid_request_error", "messages: roles must alternate", "invalid_request"],
  ])("%s", async (type, text, kind) => {
    const failure = await expectModelError(
      generateWith(answering(JSON.stringify({ type: "error", error: { type, message: text } }))),
    );
    expect(failure).toMatchObject({ kind, status: undefined, providerCode: type, providerMessage: text });
    expect(failure.message).toMatch(/^answered 200 with an error: /);
    expect(failure.requestId).toMatch(/^req_fault_/);
  });
});

describe("anthropic adapter: a 200 that is not a message is a server failure, never a TypeError", () => {
  it.each<[string, FaultStep, RegExp]>([
    ["null", answering("null"), /^answered 200 with a body that is not a message: null$/],
    ["an HTML page", answering("<html><body>Welcome to nginx!</body></html>", "text/html"), /not a message: <html>/],
    ["an object without content", answering('{"id":"msg_1","type":"message"}'), /not a message: \{"id":"msg_1"/],
    ["JSON that does not parse", answering('{"id":"msg_1","cont'), /a body that is not JSON: /],
    [
      "a text block whose text is an object",
      answering(message([{ type: "text", text: { a: 1 } }])),
      /content\[0\] is a text block/,
    ],
    ["a block that is a string", answering(message(["hello"])), /content\[0\] is not a content block/],
    [
      "a tool_use block whose input is a string",
      answering(message([{ type: "tool_use", id: "toolu_1", name: "t", input: '{"a":1}' }])),
      /content\[0\] is a tool_use block whose input is not an object/,
    ],
    [
      "a tool_use block without input",
      answering(message([{ type: "tool_use", id: "toolu_1", name: "t" }])),
      /content\[0\] is a tool_use block whose input is not an object/,
    ],
    ["a stop_reason that is a number", answering(message([]).replace('"end_turn"', "7")), /stop_reason is not a string/],
  ])("%s", async (_name, step, text) => {
    const error = await expectModelError(generateWith(step));
    expect(error.kind).toBe("server");
    expect(error.message).toMatch(text);
    expect(error.message).not.toContain("[object Object]");
  });

  it("skips block types it does not read, such as thinking", async () => {
    const content = [
      { type: "thinking", thinking: "hmm", signature: "sig" },
      { type: "text", text: "Sunny." },
    ];
    expect((await generateWith(answering(message(content)))).text).toBe("Sunny.");
  });
});

describe("anthropic adapter: stream events of the wrong shape break the stream", () => {
  const sse = (...events: [string, unknown][]) =>
    events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join("");
  const start: [string, unknown] = [
    "message_start",
    {
      type: "message_start",
      message: { id: "msg_raw", type: "message", role: "assistant", content: [], usage: { input_tokens: 1 } },
    },
  ];
  const blockStart: [string, unknown] = [
    "content_block_start",
    { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
  ];
  const delta = (value: unknown): [string, unknown] => [
    "content_block_delta",
    { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: value } },
  ];
  it.each<[string, string]>([
    ["a text delta that is an object", sse(start, blockStart, delta("one "), delta({ text: "two" }))],
    ["a message_start without a message", sse(["message_start", { type: "message_start" }])],
    ["an event that is null", sse(start, ["content_block_delta", null])],
    [
      "a tool_use block without a name",
      sse(start, [
        "content_block_start",
        { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "t" } },
      ]),
    ],
  ])("%s", async (_name, body) => {
    server().script("claude-test", [{ rawBody: { contentType: "text/event-stream", body } }]);
    const { parts, error } = await readAdapterStream(model(), ask);
    expect(error).toMatchObject({ kind: "stream_broken" });
    expect(error?.message).toMatch(/^malformed stream: /);
    expect(JSON.stringify(parts)).not.toContain("[object Object]");
  });
});

describe("anthropic adapter: a request it cannot send is the caller's bug (invalid_request), never the model's", () => {
  const circular: Record<string, unknown> = { type: "object" };
  circular.self = circular;
  it.each<[string, ChatRequest]>([
    ["a circular tool schema", { ...ask, tools: [{ name: "t", inputSchema: circular }] }],
    ["a BigInt in providerOptions", { ...ask, providerOptions: { anthropic: { top_k: 3n } } }],
    [
      "a BigInt in a tool call's arguments",
      {
        messages: [
          ...ask.messages,
          { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "t", args: { n: 1n } }] },
        ],
      },
    ],
    [
      "a BigInt in a tool result (thrown while translating)",
      {
        messages: [
          ...ask.messages,
          { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "t", args: {} }] },
          { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "t", result: { n: 1n } }] },
        ],
      },
    ],
  ])("%s", async (_name, request) => {
    const error = await expectModelError(model().generate(request, call()));
    expect(error.kind).toBe("invalid_request");
    expect(countsAgainstHealth(error.kind)).toBe(false);
    expect((await readAdapterStream(model(), request)).error?.kind).toBe("invalid_request");
    expect(server().log).toHaveLength(0);
  });
});

describe("anthropic adapter: a missing key is auth, never retried, like OpenAI's", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const withoutCredentials = () => {
    for (const name of ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE"]) vi.stubEnv(name, undefined);
    vi.stubEnv("ANTHROPIC_CONFIG_DIR", mkdtempSync(join(tmpdir(), "understudy-no-credentials-")));
  };

  it("with no apiKey and no environment", async () => {
    withoutCredentials();
    const adapter = anthropic("claude-test", { baseURL: server().anthropicBaseURL });
    const error = await expectModelError(adapter.generate(ask, call()));
    expect(error).toMatchObject({ kind: "auth" });
    expect(error.message).toMatch(/ANTHROPIC_API_KEY/);
    expect((await readAdapterStream(adapter, ask)).error).toMatchObject({ kind: "auth" });
    expect(server().log).toHaveLength(0);
  });

  it("with a client of the user's that has none", async () => {
    withoutCredentials();
    const client = new Anthropic({ baseURL: server().anthropicBaseURL });
    const adapter = anthropic("claude-test", { client });
    expect(await expectModelError(adapter.generate(ask, call()))).toMatchObject({ kind: "auth" });
  });

  it("is not retried by the pipeline", async () => {
    withoutCredentials();
    const chat = createFallback({
      models: [
        { model: anthropic("claude-test", { baseURL: server().anthropicBaseURL }), retry: { maxAttempts: 3 }, breaker: false },
      ],
    });
    const error = await chat.generate(ask).catch((e: unknown) => e);
    expect(error).toMatchObject({ attempts: [{ kind: "auth" }] });
  });
});
