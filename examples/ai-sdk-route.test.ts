import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { anthropic } from "@understudy/anthropic";
import { createFallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import { faults } from "@understudy/testing";
import { expectAttempts, useFaultServer } from "@understudy/testing/vitest";
import { parseJsonEventStream, readUIMessageStream, type UIMessage, type UIMessageChunk, uiMessageChunkSchema } from "ai";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { chatRoute } from "./ai-sdk-route.ts";

// The route of examples/ai-sdk-route.ts, served over HTTP and read the way
// `useChat` reads it: the SSE body parsed into UI message chunks, the chunks
// assembled into the assistant's message.
const faultServer = useFaultServer();
let http: Server | undefined;

// `streamText` logs each failure with console.error by default; the tests look at the stream instead.
beforeEach(() => {
  vi.spyOn(console, "error").mockImplementation(() => {});
});

afterEach(() => {
  vi.restoreAllMocks();
  http?.closeAllConnections();
  http?.close();
  http = undefined;
});

/** Starts the example's route in front of a Claude → GPT chain aimed at the fault server; returns its URL. */
async function startRoute(): Promise<string> {
  const chat = createFallback({
    models: [
      {
        model: anthropic("claude-sonnet-4-6", { baseURL: faultServer().anthropicBaseURL, apiKey: "test" }),
        retry: { maxAttempts: 2, initialDelayMs: 1 },
      },
      { model: openai("gpt-4.1-mini", { baseURL: faultServer().openaiBaseURL, apiKey: "test" }) },
    ],
    defaults: { timeout: { firstTokenMs: 5_000, idleMs: 5_000 } },
    deadlineMs: 10_000,
  });
  http = createServer(chatRoute(chat)).listen(0, "127.0.0.1");
  await once(http, "listening");
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/chat`;
}

/** POSTs one user message as `useChat` does; returns every chunk of the UI message stream and the assembled message. */
async function chatOnce(url: string, text: string): Promise<{ chunks: UIMessageChunk[]; message: UIMessage | undefined }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ id: "m1", role: "user", parts: [{ type: "text", text }] }] }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
  const body = response.body;
  if (!body) throw new Error("the route sent no body");
  const chunks: UIMessageChunk[] = [];
  const stream = parseJsonEventStream({ stream: body, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream({
      transform(parsed, controller) {
        if (!parsed.success) throw parsed.error;
        chunks.push(parsed.value);
        controller.enqueue(parsed.value);
      },
    }),
  );
  let message: UIMessage | undefined;
  for await (const state of readUIMessageStream({ stream, onError: () => {} })) message = state;
  return { chunks, message };
}

const textOf = (message: UIMessage | undefined) =>
  message?.parts.map((part) => (part.type === "text" ? part.text : "")).join("") ?? "";

describe("examples/ai-sdk-route.ts: POST /api/chat through asLanguageModel", () => {
  it("Claude answers 529 twice: the UI message stream carries GPT's answer, once, and says who answered", async () => {
    faultServer().script("claude-sonnet-4-6", () => faults.overloaded());
    const { chunks, message } = await chatOnce(await startRoute(), "Name one moon of Jupiter.");

    expect(textOf(message)).toBe("This is gpt-4.1-mini answering.");
    expect(message?.metadata).toEqual({ model: "openai:gpt-4.1-mini", fallbacks: 1 });
    // The failover before content is invisible: one message, one step, one text block, a finish and no error.
    const types = chunks.map((chunk) => chunk.type);
    expect(types.filter((type) => type === "start")).toHaveLength(1);
    expect(types.filter((type) => type === "start-step")).toHaveLength(1);
    expect(types.filter((type) => type === "text-start")).toHaveLength(1);
    expect(types).not.toContain("error");
    expect(types.at(-1)).toBe("finish");
    expect(expectAttempts(faultServer(), "claude-sonnet-4-6", 2).map((request) => request.status)).toEqual([529, 529]);
    expectAttempts(faultServer(), "gpt-4.1-mini", 1);
  });

  it("Claude cuts its stream after 3 tokens: the text shown so far, then an error chunk; the finish says error", async () => {
    faultServer().script("claude-sonnet-4-6", [{ ...faults.cutStream(3), text: "Once upon a time, a fox" }]);
    const { chunks, message } = await chatOnce(await startRoute(), "Tell me a story.");

    expect(textOf(message)).toBe("Once upon a ");
    expect(message?.metadata).toBeUndefined();
    // The chain's stream ends without its finish; `ai` closes the step itself, with finishReason "error".
    const types = chunks.map((chunk) => chunk.type);
    expect(types.indexOf("error")).toBeGreaterThan(types.lastIndexOf("text-delta"));
    expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "error" });
    // No restart through the bridge: GPT is never asked, so nothing is appended to the cut answer.
    expectAttempts(faultServer(), "gpt-4.1-mini", 0);
  });

  it("every model fails before content: an error chunk, no text", async () => {
    faultServer().script("claude-sonnet-4-6", () => faults.overloaded());
    faultServer().script("gpt-4.1-mini", () => faults.overloaded());
    const { chunks, message } = await chatOnce(await startRoute(), "Hello?");

    expect(textOf(message)).toBe("");
    expect(chunks.map((chunk) => chunk.type)).toContain("error");
    expect(chunks.map((chunk) => chunk.type)).not.toContain("text-delta");
  });

  it("refuses a body that is not UI messages with a 400, and keeps serving", async () => {
    const url = await startRoute();
    const post = (body: string) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect((await post("{}")).status).toBe(400);
    expect((await post('{"messages":[{"role":"user"}]}')).status).toBe(400);
    expect((await post("not json")).status).toBe(400);
    expect((await post(JSON.stringify({ messages: [], pad: "x".repeat(1_100_000) }))).status).toBe(400);
    expect(faultServer().log).toHaveLength(0);
    const { message } = await chatOnce(url, "Still there?");
    expect(textOf(message)).toBe("This is claude-sonnet-4-6 answering.");
  });
});
