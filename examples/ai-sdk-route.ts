// A chat route for the AI SDK's `useChat` on node:http: `streamText` over a fallback chain; Claude is overloaded (529), GPT answers.
import { once } from "node:events";
import { createServer, type IncomingMessage, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { asLanguageModel, type UnderstudyMetadata } from "@understudy/ai-sdk";
import { anthropic } from "@understudy/anthropic";
import { createFallback, type Fallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import { FaultServer, faults } from "@understudy/testing";
import {
  convertToModelMessages,
  type ModelMessage,
  pipeUIMessageStreamToResponse,
  streamText,
  toUIMessageStream,
  type UIMessageChunk,
  validateUIMessages,
} from "ai";

// #region route
/** `POST /api/chat`, where `useChat` posts: UI messages in, a UI message stream out, answered by the chain. */
export function chatRoute(chat: Fallback): RequestListener {
  const model = asLanguageModel(chat);
  return async (req, res) => {
    if (req.method !== "POST" || req.url !== "/api/chat") {
      res.writeHead(404).end();
      return;
    }
    let messages: ModelMessage[];
    try {
      const body = (await jsonBody(req)) as { messages?: unknown };
      messages = await convertToModelMessages(await validateUIMessages({ messages: body.messages }));
    } catch {
      res.writeHead(400).end("expected JSON: { messages: UIMessage[] }");
      return;
    }
    // A browser that leaves before the answer is done stops the chain's call.
    const left = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) left.abort();
    });
    const result = streamText({ model, messages, abortSignal: left.signal });
    await pipeUIMessageStreamToResponse({
      response: res,
      stream: toUIMessageStream({
        stream: result.stream,
        // The model that answered, as the message's metadata (`message.metadata` in `useChat`).
        messageMetadata: ({ part }) => {
          const understudy =
            part.type === "finish-step" ? (part.providerMetadata?.understudy as UnderstudyMetadata | undefined) : undefined;
          return understudy && { model: understudy.model, fallbacks: understudy.fallbacks.length };
        },
      }),
    });
  };
}
/** The request's body as JSON, refused past `limit` bytes: a route must not buffer whatever a client sends. */
async function jsonBody(req: IncomingMessage, limit = 1_000_000): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error(`the body is over ${limit} bytes`);
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}
// #endregion route

// Run as a program (the tests import `chatRoute` instead): one chat message through the route.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // A local server speaking both providers' wire formats stands in for them: no keys needed.
  const server = await FaultServer.start();
  server.script("claude-sonnet-4-6", () => faults.overloaded());
  // With real providers, drop `baseURL` and `apiKey`: the SDKs read ANTHROPIC_API_KEY and OPENAI_API_KEY.
  const chat = createFallback({
    models: [
      { model: anthropic("claude-sonnet-4-6", { baseURL: server.anthropicBaseURL, apiKey: "not-a-real-key" }) },
      { model: openai("gpt-4.1-mini", { baseURL: server.openaiBaseURL, apiKey: "not-a-real-key" }) },
    ],
    defaults: { retry: { maxAttempts: 2 } },
    deadlineMs: 30_000,
  });
  chat.on("fallback", (e) => console.log(`server: switched ${e.from} → ${e.to} (${e.reason})`));

  const http = createServer(chatRoute(chat)).listen(0, "127.0.0.1");
  await once(http, "listening");
  try {
    // What `useChat` posts: the conversation as UI messages.
    const response = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        messages: [{ id: "m1", role: "user", parts: [{ type: "text", text: "Name one moon of Jupiter." }] }],
      }),
    });
    // The UI message stream: server-sent events, one JSON chunk each, then `[DONE]`.
    const chunks = (await response.text())
      .split("\n\n")
      .filter((event) => event.startsWith("data: ") && event !== "data: [DONE]")
      .map((event) => JSON.parse(event.slice("data: ".length)) as UIMessageChunk);
    console.log(`chunks: ${chunks.map((chunk) => chunk.type).join(", ")}`);
    const text = chunks.map((chunk) => (chunk.type === "text-delta" ? chunk.delta : "")).join("");
    console.log(`answer: ${text}`);
    for (const chunk of chunks)
      if (chunk.type === "message-metadata") console.log(`metadata: ${JSON.stringify(chunk.messageMetadata)}`);
  } finally {
    http.closeAllConnections();
    http.close();
    await server.close();
  }
}
