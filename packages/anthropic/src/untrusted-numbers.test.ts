import { type ChatRequest, type ModelAdapter, maxProviderDelayMs, maxTokenCount } from "@understudy/core/adapter";
import { type FaultStep, faults } from "@understudy/testing";
import { expectModelError, readAdapterStream, useFaultServer } from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";
import { anthropic } from "./anthropic.ts";

// Item 2 of the hardening issue, the adapter's half: usage counts and delays
// a provider sends are untrusted numbers.

const server = useFaultServer();
const model = (): ModelAdapter =>
  anthropic("claude-test", { apiKey: "sk-ant-test-0123456789", baseURL: server().anthropicBaseURL });
const ask: ChatRequest = { messages: [{ role: "user", content: "hi" }] };
const call = () => ({ signal: new AbortController().signal });

describe("anthropic adapter: usage counts are made safe, streamed or not", () => {
  it.each<[string, Record<string, unknown>, Record<string, number>]>([
    ["negative", { input_tokens: -5, output_tokens: -5 }, { inputTokens: 0, outputTokens: 0 }],
    [
      "strings",
      { input_tokens: "7", output_tokens: "3", cache_read_input_tokens: "2" },
      { inputTokens: 7, outputTokens: 3, cachedInputTokens: 2 },
    ],
    [
      "absurd",
      { input_tokens: 1e308, output_tokens: 1e308, cache_creation_input_tokens: 1e308 },
      { inputTokens: maxTokenCount, outputTokens: maxTokenCount, cacheWriteTokens: maxTokenCount },
    ],
    ["objects", { input_tokens: { n: 1 }, output_tokens: [2] }, { inputTokens: 0, outputTokens: 0 }],
  ])("%s", async (_name, usage, expected) => {
    server().script("claude-test", [{ usage }, { usage }]);
    const response = await model().generate(ask, call());
    expect(response.usage).toMatchObject(expected);
    const { parts, error } = await readAdapterStream(model(), ask);
    expect(error).toBeUndefined();
    expect(parts.at(-1)).toMatchObject({ type: "finish", usage: expected });
  });

  it("null counts are 0 in a message, and left to message_start in a stream", async () => {
    const usage = { input_tokens: null, output_tokens: null };
    server().script("claude-test", [{ usage }, { usage }]);
    expect((await model().generate(ask, call())).usage).toMatchObject({ inputTokens: 0, outputTokens: 0 });
    const { parts } = await readAdapterStream(model(), ask);
    expect(parts.at(-1)).toMatchObject({ type: "finish", usage: { inputTokens: 0, outputTokens: 0 } });
  });
});

describe("anthropic adapter: provider delays are bounded", () => {
  it.each<[string, FaultStep, number | undefined]>([
    ["retry-after: 999999999", faults.rateLimit({ retryAfterSeconds: 999_999_999 }), maxProviderDelayMs],
    [
      "retry-after: a date in 2100",
      faults.rateLimit({ headers: { "retry-after": "Fri, 01 Jan 2100 00:00:00 GMT" } }),
      maxProviderDelayMs,
    ],
    ["retry-after-ms: 1e12", faults.rateLimit({ headers: { "retry-after-ms": "1e12" } }), maxProviderDelayMs],
    [
      "anthropic-ratelimit-requests-reset in 2100",
      faults.rateLimit({ headers: { "anthropic-ratelimit-requests-reset": "2100-01-01T00:00:00Z" } }),
      maxProviderDelayMs,
    ],
    ["retry-after: -5", faults.rateLimit({ headers: { "retry-after": "-5" } }), undefined],
    [
      "anthropic-ratelimit-requests-reset: -5",
      faults.rateLimit({ headers: { "anthropic-ratelimit-requests-reset": "-5" } }),
      undefined,
    ],
  ])("%s", async (_name, step, expected) => {
    server().script("claude-test", [step]);
    const error = await expectModelError(model().generate(ask, call()));
    expect(error.kind).toBe("rate_limit");
    expect(error.retryAfterMs).toBe(expected);
  });
});
