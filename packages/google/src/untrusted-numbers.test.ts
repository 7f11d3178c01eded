import { type ChatRequest, type ModelAdapter, maxProviderDelayMs, maxTokenCount, type Usage } from "@understudy/core/adapter";
import { type FaultStep, faults } from "@understudy/testing";
import { expectModelError, readAdapterStream, useFaultServer } from "@understudy/testing/vitest";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { google } from "./google.ts";
import { usageOf } from "./google-usage.ts";

// Usage counts and delays a provider sends are untrusted numbers.

const server = useFaultServer();
const model = (): ModelAdapter =>
  google("gemini-test", { apiKey: "AIzaSyH-untrusted-numbers-0123456789ab", baseURL: server().geminiBaseURL });
const ask: ChatRequest = { messages: [{ role: "user", content: "hi" }] };
const call = () => ({ signal: new AbortController().signal });

/** Every count a whole number from 0 to maxTokenCount, the reasoning a part of the output, the cached a part of the prompt. */
function expectSafe(usage: Usage): void {
  for (const value of [
    usage.inputTokens,
    usage.cachedInputTokens,
    usage.cacheWriteTokens,
    usage.outputTokens,
    usage.reasoningTokens,
  ]) {
    expect(Number.isInteger(value)).toBe(true);
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThanOrEqual(maxTokenCount);
  }
  expect(usage.reasoningTokens).toBeLessThanOrEqual(usage.outputTokens);
}

describe("google adapter: usage counts are made safe, streamed or not", () => {
  it.each<[string, Record<string, unknown>, Record<string, number>]>([
    ["negative", { promptTokenCount: -5, candidatesTokenCount: -5, thoughtsTokenCount: -5 }, { inputTokens: 0, outputTokens: 0 }],
    [
      "strings",
      { promptTokenCount: "7", candidatesTokenCount: "3", cachedContentTokenCount: "2", thoughtsTokenCount: "1" },
      { inputTokens: 5, cachedInputTokens: 2, outputTokens: 4, reasoningTokens: 1 },
    ],
    [
      "absurd",
      { promptTokenCount: 1e308, candidatesTokenCount: 1e308, thoughtsTokenCount: 1e308 },
      { inputTokens: maxTokenCount, outputTokens: maxTokenCount, reasoningTokens: maxTokenCount },
    ],
    [
      "null",
      { promptTokenCount: null, candidatesTokenCount: null, cachedContentTokenCount: null },
      { inputTokens: 0, outputTokens: 0 },
    ],
    ["objects", { promptTokenCount: { n: 1 }, candidatesTokenCount: [2] }, { inputTokens: 0, outputTokens: 0 }],
    [
      "more cached than the prompt",
      { promptTokenCount: 4, cachedContentTokenCount: 10, candidatesTokenCount: 1 },
      { inputTokens: 0, cachedInputTokens: 4, outputTokens: 1 },
    ],
    [
      "the prompt of server-side tools counted as input",
      { promptTokenCount: 10, toolUsePromptTokenCount: 5, cachedContentTokenCount: 3, candidatesTokenCount: 2 },
      { inputTokens: 12, cachedInputTokens: 3, outputTokens: 2 },
    ],
  ])("%s", async (_name, usage, expected) => {
    server().script("gemini-test", [{ usage }, { usage }]);
    const response = await model().generate(ask, call());
    expect(response.usage).toMatchObject(expected);
    expectSafe(response.usage);
    const { parts, error } = await readAdapterStream(model(), ask);
    expect(error).toBeUndefined();
    expect(parts.at(-1)).toMatchObject({ type: "finish", usage: expected });
  });

  it("any usage the server sends, through the real SDK, gives a safe usage", async () => {
    const count = fc.oneof(
      fc.integer({ min: -1e6, max: 1e12 }),
      fc.double(),
      fc.constantFrom(null, "7", "-3", "1e400", "NaN", true),
      fc.array(fc.integer(), { maxLength: 2 }),
    );
    const usage = fc.record(
      {
        promptTokenCount: count,
        candidatesTokenCount: count,
        cachedContentTokenCount: count,
        thoughtsTokenCount: count,
        toolUsePromptTokenCount: count,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(usage, fc.boolean(), async (fields, stream) => {
        server().script("gemini-test", () => ({ usage: fields }));
        if (stream) {
          const { parts, error } = await readAdapterStream(model(), ask);
          expect(error).toBeUndefined();
          const finish = parts.at(-1);
          expect(finish?.type).toBe("finish");
          if (finish?.type === "finish") expectSafe(finish.usage);
        } else expectSafe((await model().generate(ask, call())).usage);
      }),
      { numRuns: 40 },
    );
  });

  it("usageOf never throws, whatever it is given", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expectSafe(usageOf(value));
      }),
    );
  });
});

describe("google adapter: provider delays are bounded", () => {
  it.each<[string, FaultStep, number | undefined]>([
    ["retryDelay 99999999999s", faults.rateLimit({ retryDelay: "99999999999s" }), maxProviderDelayMs],
    ["retryDelay of 400 digits", faults.rateLimit({ retryDelay: `${"9".repeat(400)}s` }), undefined],
    ["retryDelay -5s", faults.rateLimit({ retryDelay: "-5s" }), undefined],
    ["retryDelay 1e12s", faults.rateLimit({ retryDelay: "1e12s" }), undefined],
    ["retryDelay soon", faults.rateLimit({ retryDelay: "soon" }), undefined],
    ["retryDelay 5m (not a Duration)", faults.rateLimit({ retryDelay: "5m" }), undefined],
    ["retryDelay 1.5s", faults.rateLimit({ retryDelay: "1.5s" }), 1_500],
  ])("%s", async (_name, step, expected) => {
    server().script("gemini-test", [step]);
    const error = await expectModelError(model().generate(ask, call()));
    expect(error.kind).toBe("rate_limit");
    expect(error.retryAfterMs).toBe(expected);
  });

  it("any retryDelay the server sends, through the real SDK, gives a valid kind and a whole, bounded delay or none", async () => {
    const delay = fc.oneof(
      fc.string(),
      fc.stringMatching(/^-?\d{1,30}(\.\d{1,12})?[a-z]?s?$/),
      fc.double().map((n) => `${n}s`),
    );
    await fc.assert(
      fc.asyncProperty(delay, fc.constantFrom("rate_limit", "quota", "overloaded"), async (retryDelay, failure) => {
        server().script("gemini-test", () => ({ failure, retry: { retryDelay } }));
        const error = await expectModelError(model().generate(ask, call()));
        expect(error.kind).toBe(failure);
        if (error.retryAfterMs === undefined) return;
        expect(Number.isInteger(error.retryAfterMs)).toBe(true);
        expect(error.retryAfterMs).toBeGreaterThanOrEqual(0);
        expect(error.retryAfterMs).toBeLessThanOrEqual(maxProviderDelayMs);
      }),
      { numRuns: 40 },
    );
  });
});
