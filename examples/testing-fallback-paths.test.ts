// Testing fallback paths in vitest: a scripted fake for unit tests, the fault server for tests through the real SDKs.
import { anthropic } from "@understudy/anthropic";
import { createFallback, isFallbackExhaustedError } from "@understudy/core";
import { openai } from "@understudy/openai";
import { faults, scriptedModel } from "@understudy/testing";
import { expectAttempts, expectGapsAtLeast, useFaultServer } from "@understudy/testing/vitest";
import { describe, expect, it, vi } from "vitest";

const request = { messages: [{ role: "user" as const, content: "Hi" }], maxTokens: 100 };

// #region unit
describe("unit tests with scriptedModel (no HTTP, fake timers)", () => {
  it("falls over after the primary's two overloaded answers", async () => {
    vi.useFakeTimers();
    const primary = scriptedModel({ modelId: "primary", default: { error: "overloaded", status: 529 } });
    const backup = scriptedModel({ modelId: "backup", default: { text: "hello" } });
    const chat = createFallback({ models: [{ model: primary, retry: { maxAttempts: 2 } }, { model: backup }] });

    const pending = chat.generate(request);
    await vi.runAllTimersAsync(); // the backoff between the primary's two calls
    const result = await pending;

    expect(result.text).toBe("hello");
    expect(primary.calls).toHaveLength(2);
    expect(result.fallbacks).toEqual([{ from: "scripted:primary", to: "scripted:backup", reason: "overloaded" }]);
    vi.useRealTimers();
  });

  it("surfaces a request the provider refuses, without trying the backup", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { error: "invalid_request", status: 400 } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: primary }, { model: backup }] });

    await expect(chat.generate(request)).rejects.toMatchObject({ kind: "invalid_request" });
    expect(backup.calls).toHaveLength(0);
  });
});
// #endregion unit

// #region server
describe("integration tests through the real SDKs, against the fault server", () => {
  const server = useFaultServer(); // started before the first test, reset after each, closed after the last

  it("waits out a 429's Retry-After on Claude, then answers", async () => {
    server().script("claude-sonnet-4-6", [faults.rateLimit({ retryAfterSeconds: 1 })]);
    const claude = anthropic("claude-sonnet-4-6", { apiKey: "test", baseURL: server().anthropicBaseURL });

    const result = await createFallback({ models: [{ model: claude }] }).generate(request);

    expect(result.model).toBe("anthropic:claude-sonnet-4-6");
    expectAttempts(server(), "claude-sonnet-4-6", 2);
    expectGapsAtLeast(server(), "claude-sonnet-4-6", 1_000);
  });

  it("gives up with every failure listed when both providers are down", async () => {
    server().script("claude-sonnet-4-6", () => faults.overloaded());
    server().script("gpt-4.1", () => faults.serverError());
    const chat = createFallback({
      models: [
        { model: anthropic("claude-sonnet-4-6", { apiKey: "test", baseURL: server().anthropicBaseURL }) },
        { model: openai("gpt-4.1", { apiKey: "test", baseURL: server().openaiBaseURL }) },
      ],
      defaults: { retry: { maxAttempts: 1 } },
    });

    const error = await chat.generate(request).catch((thrown: unknown) => thrown);

    expect(isFallbackExhaustedError(error)).toBe(true);
    expect(server().log.map((entry) => entry.status)).toEqual([529, 500]);
  });
});
// #endregion server
