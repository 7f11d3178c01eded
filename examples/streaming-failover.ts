// Streaming with failover: invisible before the first token; after it, an error by default or a `reset` part and a restart.
import { anthropic } from "@understudy/anthropic";
import { type ChatRequest, createFallback, type Fallback, type MidStreamMode, StreamInterruptedError } from "@understudy/core";
import { openai } from "@understudy/openai";
import { FaultServer, faults } from "@understudy/testing";

const server = await FaultServer.start();
const request: ChatRequest = { messages: [{ role: "user", content: "Tell me a short story." }], maxTokens: 200 };

function chain(midStream: MidStreamMode): Fallback {
  return createFallback({
    models: [
      { model: anthropic("claude-sonnet-4-6", { baseURL: server.anthropicBaseURL, apiKey: "not-a-real-key" }) },
      { model: openai("gpt-4.1-mini", { baseURL: server.openaiBaseURL, apiKey: "not-a-real-key" }) },
    ],
    defaults: { retry: { maxAttempts: 1 }, timeout: { firstTokenMs: 5_000, idleMs: 5_000 } },
    midStream,
  });
}

/** Prints a stream as a chat UI would show it. */
async function show(chat: Fallback): Promise<void> {
  let shown = "";
  // #region read
  const stream = chat.stream(request);
  for await (const part of stream) {
    if (part.type === "text-delta") shown += part.text;
    // The answer restarts on the next model: drop what was shown so far.
    if (part.type === "reset") {
      console.log(`  [reset: ${part.model} failed (${part.reason}); dropped "${shown}", the next model starts over]`);
      shown = "";
    }
  }
  const result = await stream.result;
  // #endregion read
  console.log(`  "${shown}" — from ${result.model}`);
}

try {
  console.log("1. Claude answers 529 before any token: the stream fails over unseen.");
  server.script("claude-sonnet-4-6", [faults.overloaded()]);
  await show(chain("error"));

  console.log('2. Claude dies after 3 tokens, midStream: "restart": a reset part, then GPT from the start.');
  await server.reset();
  server.script("claude-sonnet-4-6", [{ ...faults.midStreamError("overloaded", 3), text: "Once upon a time, a fox" }]);
  await show(chain("restart"));

  console.log('3. The same with the default midStream: "error": the caller gets a typed error, never a cut answer as success.');
  await server.reset();
  server.script("claude-sonnet-4-6", [{ ...faults.cutStream(3), text: "Once upon a time, a fox" }]);
  try {
    await show(chain("error"));
  } catch (error) {
    if (!(error instanceof StreamInterruptedError)) throw error;
    console.log(`  StreamInterruptedError: ${error.kind} on ${error.model} after content was shown`);
  }
} finally {
  await server.close();
}
