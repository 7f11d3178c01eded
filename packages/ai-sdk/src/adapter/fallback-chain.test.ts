import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createFallback, type FallbackStream } from "@understudy/core";
import { faults } from "@understudy/testing";
import { expectAttempts, expectGapsAtLeast, useFaultServer, waitFor } from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";
import { aiSdk } from "./ai-sdk-adapter.ts";

// AI SDK models in a real pipeline, under its retries and timers (real time, short and generous).

const server = useFaultServer();
const apiKey = "sk-test-chain-0123456789";
const claude = (id = "claude-test") =>
  aiSdk(createAnthropic({ apiKey, baseURL: `${server().anthropicBaseURL}/v1` })(id), { secrets: [apiKey] });
const gpt = (id = "gpt-test") => aiSdk(createOpenAI({ apiKey, baseURL: server().openaiBaseURL }).chat(id), { secrets: [apiKey] });
const ask = { messages: [{ role: "user" as const, content: "Hi" }] };

async function drain(stream: FallbackStream): Promise<string[]> {
  const types: string[] = [];
  for await (const part of stream) types.push(part.type);
  return types;
}

describe("a chain of AI SDK models", () => {
  it("falls over from a Claude answering 529 to a GPT that answers, generated", async () => {
    server().script("claude-test", () => faults.overloaded());
    const chat = createFallback({
      models: [{ model: claude(), retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 } }, { model: gpt() }],
    });
    const result = await chat.generate(ask);
    expect(result.model).toBe("openai:gpt-test");
    expect(result.text).toMatch(/gpt-test/);
    expect(result.attempts.map((attempt) => [attempt.model, attempt.kind ?? attempt.outcome, attempt.status])).toEqual([
      ["anthropic:claude-test", "overloaded", 529],
      ["anthropic:claude-test", "overloaded", 529],
      ["openai:gpt-test", "success", undefined],
    ]);
    expectAttempts(server(), "claude-test", 2);
  });

  it("falls over from a Claude answering 529 to a GPT that answers, streamed, before any content reached the caller", async () => {
    server().script("claude-test", () => faults.overloaded());
    const chat = createFallback({ models: [{ model: claude(), retry: { maxAttempts: 1 } }, { model: gpt() }] });
    const stream = chat.stream(ask);
    const types = await drain(stream);
    expect(types).not.toContain("reset");
    expect(types.at(-1)).toBe("finish");
    expect((await stream.result).model).toBe("openai:gpt-test");
  });

  it("waits out Retry-After between the calls the server sees", async () => {
    server().script("gpt-test", [faults.rateLimit({ retryAfterMs: 300 })]);
    const chat = createFallback({ models: [{ model: gpt(), retry: { initialDelayMs: 1 } }] });
    await chat.generate(ask);
    expectAttempts(server(), "gpt-test", 2);
    expectGapsAtLeast(server(), "gpt-test", 300);
  });

  it("a silent server is cut by the attempt timeout, and the server sees the hang-up", async () => {
    server().script("claude-test", [faults.silent()]);
    const chat = createFallback({ models: [{ model: claude(), timeout: { attemptMs: 200 } }, { model: gpt() }] });
    const result = await chat.generate(ask);
    expect(result.model).toBe("openai:gpt-test");
    expect(result.attempts[0]).toMatchObject({ kind: "timeout" });
    await waitFor(() => server().requestsFor("claude-test")[0]?.clientHungUp === true);
  });

  it("a stream that stalls is cut by the idle timeout and restarted on the backup, announced by a reset", async () => {
    server().script("gpt-test", [faults.stallStream(2)]);
    const chat = createFallback({
      models: [{ model: gpt(), timeout: { idleMs: 200 } }, { model: claude() }],
      midStream: "restart",
    });
    const stream = chat.stream(ask);
    const types = await drain(stream);
    expect(types).toContain("reset");
    const result = await stream.result;
    expect(result.model).toBe("anthropic:claude-test");
    expect(result.attempts[0]).toMatchObject({ kind: "timeout" });
  });

  it("a slow first token is cut by the first-token timeout and falls over invisibly", async () => {
    server().script("claude-test", [{ firstTokenDelayMs: 5_000 }]);
    const chat = createFallback({ models: [{ model: claude(), timeout: { firstTokenMs: 200 } }, { model: gpt() }] });
    const stream = chat.stream(ask);
    expect(await drain(stream)).not.toContain("reset");
    expect((await stream.result).model).toBe("openai:gpt-test");
  });

  it("a stream cut mid-answer is never a success: a typed error by default, a restart when asked", async () => {
    server().script("claude-test", [faults.cutStream(2), faults.cutStream(2)]);
    const strict = createFallback({ models: [{ model: claude(), retry: { maxAttempts: 1 } }, { model: gpt() }] });
    await expect(drain(strict.stream(ask))).rejects.toMatchObject({
      name: "StreamInterruptedError",
      kind: "stream_broken",
      model: "anthropic:claude-test",
    });

    const restarting = createFallback({
      models: [{ model: claude(), retry: { maxAttempts: 1 } }, { model: gpt() }],
      midStream: "restart",
    });
    const stream = restarting.stream(ask);
    expect(await drain(stream)).toContain("reset");
    const result = await stream.result;
    expect(result.model).toBe("openai:gpt-test");
    expect(result.attempts[0]).toMatchObject({ kind: "stream_broken" });
  });
});
