import { type ChatRequest, type ModelAdapter, maxProviderDelayMs, maxTokenCount } from "@understudy/core/adapter";
import { type FaultStep, faults } from "@understudy/testing";
import { expectModelError, readAdapterStream, useFaultServer } from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";
import { parseOpenAIDuration } from "./classify-openai-error.ts";
import { openai } from "./openai.ts";

// Item 2 of the hardening issue, the adapter's half: usage counts and delays
// a provider sends are untrusted numbers.

const server = useFaultServer();
const model = (): ModelAdapter => openai("gpt-test", { apiKey: "sk-test-0123456789", baseURL: server().openaiBaseURL });
const ask: ChatRequest = { messages: [{ role: "user", content: "hi" }] };
const call = () => ({ signal: new AbortController().signal });

describe("openai adapter: usage counts are made safe, streamed or not", () => {
  it.each<[string, Record<string, unknown>, Record<string, number>]>([
    ["negative", { prompt_tokens: -5, completion_tokens: -5 }, { inputTokens: 0, outputTokens: 0 }],
    ["strings", { prompt_tokens: "7", completion_tokens: "3" }, { inputTokens: 7, outputTokens: 3 }],
    ["absurd", { prompt_tokens: 1e308, completion_tokens: 1e308 }, { inputTokens: maxTokenCount, outputTokens: maxTokenCount }],
    ["null", { prompt_tokens: null, completion_tokens: null, prompt_tokens_details: null }, { inputTokens: 0, outputTokens: 0 }],
    [
      "details out of range",
      {
        prompt_tokens: 10,
        completion_tokens: 4,
        prompt_tokens_details: { cached_tokens: "4" },
        completion_tokens_details: { reasoning_tokens: 1e308 },
      },
      { inputTokens: 6, cachedInputTokens: 4, outputTokens: 4, reasoningTokens: 4 },
    ],
  ])("%s", async (_name, usage, expected) => {
    server().script("gpt-test", [{ usage }, { usage }]);
    const response = await model().generate(ask, call());
    expect(response.usage).toMatchObject(expected);
    const { parts, error } = await readAdapterStream(model(), ask);
    expect(error).toBeUndefined();
    expect(parts.at(-1)).toMatchObject({ type: "finish", usage: expected });
    for (const value of Object.values(response.usage)) {
      if (typeof value === "number") expect(Number.isInteger(value) && value >= 0).toBe(true);
    }
  });
});

describe("openai adapter: provider delays are bounded", () => {
  it.each<[string, FaultStep, number | undefined]>([
    ["retry-after: 999999999", faults.rateLimit({ retryAfterSeconds: 999_999_999 }), maxProviderDelayMs],
    [
      "retry-after: a date in 2100",
      faults.rateLimit({ headers: { "retry-after": "Fri, 01 Jan 2100 00:00:00 GMT" } }),
      maxProviderDelayMs,
    ],
    ["retry-after-ms: 1e12", faults.rateLimit({ headers: { "retry-after-ms": "1e12" } }), maxProviderDelayMs],
    [
      "x-ratelimit-reset-requests: 99999h",
      faults.rateLimit({ headers: { "x-ratelimit-reset-requests": "99999h" } }),
      maxProviderDelayMs,
    ],
    ["retry-after: -5", faults.rateLimit({ headers: { "retry-after": "-5" } }), undefined],
    ["retry-after-ms: NaN", faults.rateLimit({ headers: { "retry-after-ms": "NaN" } }), undefined],
    ["x-ratelimit-reset-requests: -3s", faults.rateLimit({ headers: { "x-ratelimit-reset-requests": "-3s" } }), undefined],
  ])("%s", async (_name, step, expected) => {
    server().script("gpt-test", [step]);
    const error = await expectModelError(model().generate(ask, call()));
    expect(error.kind).toBe("rate_limit");
    expect(error.retryAfterMs).toBe(expected);
  });

  it("parses reset durations into whole, bounded ms", () => {
    expect(parseOpenAIDuration("1.0004s")).toBe(1_000);
    expect(parseOpenAIDuration("99999h")).toBe(maxProviderDelayMs);
    expect(parseOpenAIDuration(`${"9".repeat(400)}h`)).toBeUndefined();
    expect(parseOpenAIDuration("soon")).toBeUndefined();
  });
});
