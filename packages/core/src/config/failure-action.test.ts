import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { createFallback, type FallbackOptions, isFallbackExhaustedError, isModelError, type ModelErrorKind } from "../index.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };
const quickRetry = { retry: { initialDelayMs: 1, maxDelayMs: 1 } };

function chainFailingWith(kind: ModelErrorKind, overrides: Partial<FallbackOptions> = {}) {
  const primary = scriptedModel({ modelId: "primary", default: { error: kind } });
  const backup = scriptedModel({ modelId: "backup" });
  const chat = createFallback({ models: [{ model: primary }, { model: backup }], defaults: quickRetry, ...overrides });
  return { chat, primary, backup };
}

describe("default action of each failure kind", () => {
  it.each([
    ["rate_limit", 2],
    ["overloaded", 2],
    ["server", 2],
    ["connection", 2],
  ] as const)("%s is retried on the same model, then falls over", async (kind, primaryCalls) => {
    const { chat, primary, backup } = chainFailingWith(kind);
    const result = await chat.generate(request);
    expect(primary.calls).toHaveLength(primaryCalls);
    expect(backup.calls).toHaveLength(1);
    expect(result.model).toBe("scripted:backup");
    expect(result.fallbacks).toEqual([{ from: "scripted:primary", to: "scripted:backup", reason: kind }]);
  });

  it.each(["quota", "timeout", "stream_broken", "context_length", "auth"] as const)(
    "%s falls over at once, without a retry",
    async (kind) => {
      const { chat, primary, backup } = chainFailingWith(kind);
      const result = await chat.generate(request);
      expect(primary.calls).toHaveLength(1);
      expect(backup.calls).toHaveLength(1);
      expect(result.attempts.map((a) => [a.model, a.outcome, a.kind])).toEqual([
        ["scripted:primary", "failure", kind],
        ["scripted:backup", "success", undefined],
      ]);
    },
  );

  it.each(["invalid_request", "content_filter"] as const)("%s surfaces to the caller; no other model is called", async (kind) => {
    const { chat, primary, backup } = chainFailingWith(kind);
    const error = await chat.generate(request).catch((e: unknown) => e);
    expect(isModelError(error) && error.kind).toBe(kind);
    expect(primary.calls).toHaveLength(1);
    expect(backup.calls).toHaveLength(0);
  });

  it("aborted from an adapter surfaces", async () => {
    const { chat, backup } = chainFailingWith("aborted");
    const error = await chat.generate(request).catch((e: unknown) => e);
    expect(isModelError(error) && error.kind).toBe("aborted");
    expect(backup.calls).toHaveLength(0);
  });

  it("a model that cannot take the request is skipped without a call (unsupported)", async () => {
    const textOnly = scriptedModel({ modelId: "text-only", capabilities: { tools: false } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: textOnly }, { model: backup }] });
    const result = await chat.generate({
      ...request,
      tools: [{ name: "lookup", inputSchema: { type: "object" } }],
    });
    expect(textOnly.calls).toHaveLength(0);
    expect(result.attempts[0]).toMatchObject({ model: "scripted:text-only", outcome: "skipped", skipReason: "unsupported" });
    expect(result.attempts[0]?.message).toMatch(/tools/);
  });

  it("unsupported thrown by an adapter (a feature it cannot express) moves on", async () => {
    const { chat, primary, backup } = chainFailingWith("unsupported");
    await chat.generate(request);
    expect(primary.calls).toHaveLength(1);
    expect(backup.calls).toHaveLength(1);
  });

  it("after context_length, models with a window no larger are skipped; a larger one answers", async () => {
    const small = scriptedModel({
      modelId: "small",
      capabilities: { contextWindow: 8_000 },
      default: { error: "context_length" },
    });
    const alsoSmall = scriptedModel({ modelId: "also-small", capabilities: { contextWindow: 8_000 } });
    const large = scriptedModel({ modelId: "large", capabilities: { contextWindow: 200_000 } });
    const chat = createFallback({ models: [{ model: small }, { model: alsoSmall }, { model: large }] });
    const result = await chat.generate(request);
    expect(alsoSmall.calls).toHaveLength(0);
    expect(result.model).toBe("scripted:large");
    expect(result.attempts[1]).toMatchObject({ model: "scripted:also-small", skipReason: "unsupported" });
  });

  it("a request estimated larger than a model's window skips it before any call", async () => {
    const tiny = scriptedModel({ modelId: "tiny", capabilities: { contextWindow: 100 } });
    const large = scriptedModel({ modelId: "large" });
    const chat = createFallback({ models: [{ model: tiny }, { model: large }] });
    await chat.generate({ messages: [{ role: "user", content: "x".repeat(1_000) }] });
    expect(tiny.calls).toHaveLength(0);
    expect(large.calls).toHaveLength(1);
  });

  it("when no model can take the request, the error says none fit", async () => {
    const tiny = scriptedModel({ modelId: "tiny", capabilities: { images: false } });
    const chat = createFallback({ models: [{ model: tiny }] });
    const error = await chat
      .generate({ messages: [{ role: "user", content: [{ type: "image", url: "https://example.com/a.png" }] }] })
      .catch((e: unknown) => e);
    expect(isFallbackExhaustedError(error) && error.reason).toBe("none_fit");
  });
});

describe("overriding actions", () => {
  it("per chain: rate_limit may fall over at once", async () => {
    const { chat, primary, backup } = chainFailingWith("rate_limit", {
      defaults: { ...quickRetry, onFailure: { rate_limit: "fallback" } },
    });
    await chat.generate(request);
    expect(primary.calls).toHaveLength(1);
    expect(backup.calls).toHaveLength(1);
  });

  it("per model: one model's invalid_request may fall over while the default surfaces", async () => {
    const picky = scriptedModel({ modelId: "picky", default: { error: "invalid_request" } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: picky, onFailure: { invalid_request: "fallback" } }, { model: backup }] });
    const result = await chat.generate(request);
    expect(result.model).toBe("scripted:backup");
  });

  it("a surfaced action ends the request even for kinds that usually fall over", async () => {
    const { chat, backup } = chainFailingWith("auth", { defaults: { onFailure: { auth: "surface" } } });
    const error = await chat.generate(request).catch((e: unknown) => e);
    expect(isModelError(error) && error.kind).toBe("auth");
    expect(backup.calls).toHaveLength(0);
  });

  it("retry.maxAttempts counts calls, the first included", async () => {
    const { chat, primary } = chainFailingWith("server", {
      defaults: { retry: { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 1 } },
    });
    await chat.generate(request);
    expect(primary.calls).toHaveLength(4);
  });

  it("an adapter that throws something other than a ModelError is treated as a server failure", async () => {
    const broken = scriptedModel({ modelId: "broken", default: { error: "server" } });
    const buggy = { ...broken, generate: async () => Promise.reject(new TypeError("oops")) };
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({ models: [{ model: buggy, retry: { maxAttempts: 1 } }, { model: backup }] });
    const result = await chat.generate(request);
    expect(result.attempts[0]).toMatchObject({ kind: "server" });
    expect(result.attempts[0]?.message).toMatch(/TypeError: oops/);
  });
});

describe("exhaustion", () => {
  it("lists every attempt and keeps the most actionable failure as cause", async () => {
    const a = scriptedModel({ modelId: "a", default: { error: "overloaded", status: 529 } });
    const b = scriptedModel({ modelId: "b", default: { error: "auth", status: 401 } });
    const chat = createFallback({ models: [{ model: a, retry: { maxAttempts: 1 } }, { model: b }] });
    const error = await chat.generate(request).catch((e: unknown) => e);
    if (!isFallbackExhaustedError(error)) throw new Error("expected FallbackExhaustedError");
    expect(error.reason).toBe("all_failed");
    expect(error.errors.map((e) => e.kind)).toEqual(["overloaded", "auth"]);
    expect(isModelError(error.cause) && error.cause.kind).toBe("auth");
    expect(error.message).toMatch(/scripted:a #1: failure overloaded 529/);
    expect(error.message).toMatch(/scripted:b #1: failure auth 401/);
    expect(error.models.map((m) => m.id)).toEqual(["scripted:a", "scripted:b"]);
  });
});
