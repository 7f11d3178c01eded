import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { type ConfigError, createFallback, type FallbackOptions, InMemoryHealthStore, isConfigError } from "../index.ts";

const model = scriptedModel({ modelId: "m" });
const other = scriptedModel({ modelId: "other" });

function configErrorOf(options: unknown): ConfigError {
  try {
    createFallback(options as FallbackOptions);
  } catch (error) {
    if (isConfigError(error)) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

function circular(): Record<string, unknown> {
  const openai: Record<string, unknown> = { reasoning_effort: "low" };
  openai.self = openai;
  return { openai };
}

describe("config validation", () => {
  it.each<[string, unknown, string, RegExp]>([
    ["no options", undefined, "options", /must be an object/],
    ["no models", {}, "models", /non-empty array/],
    ["empty models", { models: [] }, "models", /non-empty array/],
    ["unknown top-level key", { models: [{ model }], retries: 3 }, "retries", /not a known option.*models, defaults/],
    ["entry not an object", { models: ["gpt"] }, "models[0]", /must be an object, got "gpt"/],
    ["missing adapter", { models: [{}] }, "models[0].model", /must be an object/],
    [
      "adapter without provider",
      { models: [{ model: { ...model, provider: "" } }] },
      "models[0].model.provider",
      /non-empty string/,
    ],
    [
      "adapter without stream",
      { models: [{ model: { provider: "p", modelId: "m", generate() {} } }] },
      "models[0].model.stream",
      /must be a function/,
    ],
    ["duplicate ids", { models: [{ model }, { model }] }, "models[1].id", /duplicates the id "scripted:m" of models\[0\]/],
    [
      "duplicate explicit ids",
      {
        models: [
          { model, id: "x" },
          { model: other, id: "x" },
        ],
      },
      "models[1].id",
      /duplicates/,
    ],
    ["empty id", { models: [{ model, id: " " }] }, "models[0].id", /non-empty string/],
    ["unknown entry key", { models: [{ model, timeouts: {} }] }, "models[0].timeouts", /not a known option/],
    [
      "maxAttempts zero",
      { models: [{ model, retry: { maxAttempts: 0 } }] },
      "models[0].retry.maxAttempts",
      /whole number ≥ 1, got 0/,
    ],
    ["maxAttempts fraction", { models: [{ model, retry: { maxAttempts: 1.5 } }] }, "models[0].retry.maxAttempts", /whole number/],
    ["negative backoff", { models: [{ model, retry: { initialDelayMs: -1 } }] }, "models[0].retry.initialDelayMs", /≥ 0, got -1/],
    [
      "a per-model policy at the top level",
      { models: [{ model }], onFailure: { rate_limit: "fallback" } },
      "onFailure",
      /per-model policy.*Put it under `defaults`.*`defaults: \{ onFailure: … \}`/,
    ],
    ["an adapter without its entry", { models: [model] }, "models[0]", /is an adapter.*Wrap it: `\{ model: openai/],
    ["unknown retry key", { models: [{ model, retry: { retries: 2 } }] }, "models[0].retry.retries", /not a known option/],
    [
      "negative timeout",
      { models: [{ model, timeout: { idleMs: -5 } }] },
      "models[0].timeout.idleMs",
      /positive number, got -5.*or `false`/,
    ],
    ["zero timeout", { models: [{ model, timeout: { attemptMs: 0 } }] }, "models[0].timeout.attemptMs", /positive/],
    [
      "timeout past the timer limit",
      { models: [{ model, timeout: { firstTokenMs: 2 ** 31 } }] },
      "models[0].timeout.firstTokenMs",
      /at most 2147483647 .*got 2147483648.*`Infinity` for no limit/,
    ],
    ["NaN timeout", { models: [{ model, timeout: { idleMs: Number.NaN } }] }, "models[0].timeout.idleMs", /got NaN/],
    ["deadline past the timer limit", { models: [{ model }], deadlineMs: 3e9 }, "deadlineMs", /at most 2147483647/],
    [
      "infinite half-open interval",
      { models: [{ model, breaker: { consecutiveFailures: 3, halfOpenAfterMs: Number.POSITIVE_INFINITY } }] },
      "models[0].breaker.halfOpenAfterMs",
      /cannot be Infinity/,
    ],
    [
      "half-open interval as a string",
      { models: [{ model, breaker: { consecutiveFailures: 3, halfOpenAfterMs: "30s" } }] },
      "models[0].breaker.halfOpenAfterMs",
      /got "30s"/,
    ],
    [
      "zero initial half-open interval",
      { models: [{ model, breaker: { consecutiveFailures: 3, halfOpenAfterMs: { initialMs: 0 } } }] },
      "models[0].breaker.halfOpenAfterMs.initialMs",
      /positive/,
    ],
    [
      "half-open cap below the initial interval",
      { models: [{ model, breaker: { consecutiveFailures: 3, halfOpenAfterMs: { initialMs: 5_000, maxMs: 1_000 } } }] },
      "models[0].breaker.halfOpenAfterMs.maxMs",
      /shorter than `initialMs` \(5000\)/,
    ],
    [
      "half-open initial interval past the default cap",
      { models: [{ model, breaker: { consecutiveFailures: 3, halfOpenAfterMs: { initialMs: 120_000 } } }] },
      "models[0].breaker.halfOpenAfterMs.initialMs",
      /longer than `maxMs` \(60000 by default\)/,
    ],
    [
      "half-open multiplier below 1",
      { defaults: { breaker: { consecutiveFailures: 3, halfOpenAfterMs: { multiplier: 0.5 } } }, models: [{ model }] },
      "defaults.breaker.halfOpenAfterMs.multiplier",
      /≥ 1, got 0.5/,
    ],
    [
      "infinite half-open multiplier",
      { models: [{ model, breaker: { consecutiveFailures: 3, halfOpenAfterMs: { multiplier: Number.POSITIVE_INFINITY } } }] },
      "models[0].breaker.halfOpenAfterMs.multiplier",
      /finite number ≥ 1/,
    ],
    [
      "misspelt half-open field",
      { models: [{ model, breaker: { consecutiveFailures: 3, halfOpenAfterMs: { maxMS: 1_000 } } }] },
      "models[0].breaker.halfOpenAfterMs.maxMS",
      /Did you mean `maxMs`\?/,
    ],
    [
      "half-open interval as an array",
      { models: [{ model, breaker: { consecutiveFailures: 3, halfOpenAfterMs: [2_000, 60_000] } }] },
      "models[0].breaker.halfOpenAfterMs",
      /must be an object, got an array/,
    ],
    [
      "hedge delay not a number",
      { models: [{ model, hedge: { afterMs: "2s" } }, { model: other }] },
      "models[0].hedge.afterMs",
      /positive number of ms, got "2s".*"learned"/s,
    ],
    [
      "hedge bounds on a fixed delay",
      { models: [{ model, hedge: { afterMs: 500, maxMs: 2_000 } }, { model: other }] },
      "models[0].hedge.maxMs",
      /applies only to a learned delay.*afterMs: "learned"/s,
    ],
    [
      "learned hedge bounds reversed",
      { models: [{ model, hedge: { afterMs: "learned", minMs: 3_000, maxMs: 1_000 } }, { model: other }] },
      "models[0].hedge.maxMs",
      /shorter than `minMs` \(3000\)/,
    ],
    [
      "learned hedge floor past the default cap",
      { models: [{ model, hedge: { afterMs: "learned", minMs: 9_000 } }, { model: other }] },
      "models[0].hedge.minMs",
      /longer than `maxMs` \(5000 by default\)/,
    ],
    [
      "misspelt hedge field",
      { defaults: { hedge: { aftrMs: 500 } }, models: [{ model }] },
      "defaults.hedge.aftrMs",
      /Did you mean `afterMs`\?/,
    ],
    [
      "hedge samples not whole",
      { models: [{ model, hedge: { afterMs: "learned", minSamples: 2.5 } }, { model: other }] },
      "models[0].hedge.minSamples",
      /whole number ≥ 1, got 2.5/,
    ],
    [
      "hedging share above 1",
      { models: [{ model, hedge: { afterMs: 500 } }, { model: other }], hedging: { maxShare: 2 } },
      "hedging.maxShare",
      /share from 0 to 1, got 2/,
    ],
    ["hedging burst of 0", { models: [{ model }], hedging: { burst: 0 } }, "hedging.burst", /whole number ≥ 1, got 0/],
    [
      "hedging written per model",
      { models: [{ model, hedging: { maxShare: 0.1 } }] },
      "models[0].hedging",
      /chain option.*move `hedging` to the top level/is,
    ],
    [
      "learned first-token multiplier below 1",
      { models: [{ model, timeout: { learnFirstToken: { multiplier: 0.5 } } }] },
      "models[0].timeout.learnFirstToken.multiplier",
      /finite number ≥ 1, got 0.5/,
    ],
    [
      "learned first-token floor of 0",
      { models: [{ model, timeout: { learnFirstToken: { minMs: 0 } } }] },
      "models[0].timeout.learnFirstToken.minMs",
      /positive number/,
    ],
    [
      "learned first-token as a string",
      { defaults: { timeout: { learnFirstToken: "yes" } }, models: [{ model }] },
      "defaults.timeout.learnFirstToken",
      /must be an object, got "yes"/,
    ],
    [
      "infinite cooldown cap",
      { models: [{ model, cooldown: { maxMs: Number.POSITIVE_INFINITY } }] },
      "models[0].cooldown.maxMs",
      /cannot be Infinity/,
    ],
    [
      "misspelt option",
      { models: [{ model, retry: { maxAttempt: 2 } }] },
      "models[0].retry.maxAttempt",
      /Did you mean `maxAttempts`\?/,
    ],
    [
      "circular providerOptions",
      { models: [{ model, providerOptions: circular() }] },
      "models[0].providerOptions",
      /circular reference at \.openai\.self/,
    ],
    ["timeout as string", { models: [{ model, timeout: { attemptMs: "30s" } }] }, "models[0].timeout.attemptMs", /got "30s"/],
    [
      "breaker without counting",
      { models: [{ model, breaker: { halfOpenAfterMs: 5 } }] },
      "models[0].breaker",
      /names no way of counting/,
    ],
    [
      "breaker zero failures",
      { models: [{ model, breaker: { consecutiveFailures: 0 } }] },
      "models[0].breaker.consecutiveFailures",
      /≥ 1/,
    ],
    [
      "breaker rate of 1",
      { models: [{ model, breaker: { failureRate: 1, windowMs: 1000 } }] },
      "models[0].breaker.failureRate",
      /between 0 and 1/,
    ],
    ["breaker without window", { models: [{ model, breaker: { failureRate: 0.5 } }] }, "models[0].breaker.windowMs", /positive/],
    ["breaker counter not a function", { models: [{ model, breaker: { counter: 3 } }] }, "models[0].breaker.counter", /IBreaker/],
    [
      "breaker mixed keys",
      { models: [{ model, breaker: { consecutiveFailures: 3, windowMs: 10 } }] },
      "models[0].breaker.windowMs",
      /not a known option/,
    ],
    ["bulkhead zero", { models: [{ model, bulkhead: { maxConcurrent: 0 } }] }, "models[0].bulkhead.maxConcurrent", /≥ 1/],
    [
      "bulkhead negative queue",
      { models: [{ model, bulkhead: { maxConcurrent: 1, maxQueued: -1 } }] },
      "models[0].bulkhead.maxQueued",
      /≥ 0/,
    ],
    [
      "unknown failure kind",
      { models: [{ model, onFailure: { ratelimit: "retry" } }] },
      "models[0].onFailure.ratelimit",
      /not a failure kind/,
    ],
    [
      "unknown action",
      { models: [{ model, onFailure: { rate_limit: "ignore" } }] },
      "models[0].onFailure.rate_limit",
      /not an action.*"retry", "fallback", "surface"/,
    ],
    [
      "aborted overridden",
      { models: [{ model }], defaults: { onFailure: { aborted: "retry" } } },
      "defaults.onFailure.aborted",
      /cannot be changed/,
    ],
    ["unknown defaults key", { models: [{ model }], defaults: { price: {} } }, "defaults.price", /not a known option/],
    ["policy without execute", { models: [{ model, policy: {} }] }, "models[0].policy", /not a cockatiel policy/],
    ["acceptsPrefill not boolean", { models: [{ model, acceptsPrefill: "yes" }] }, "models[0].acceptsPrefill", /true or false/],
    [
      "negative price",
      { models: [{ model, price: { inputPerMillion: -1, outputPerMillion: 1 } }] },
      "models[0].price.inputPerMillion",
      /≥ 0/,
    ],
    [
      "price missing output",
      { models: [{ model, price: { inputPerMillion: 1 } }] },
      "models[0].price.outputPerMillion",
      /≥ 0, got undefined/,
    ],
    ["negative cooldown", { models: [{ model, cooldown: { quotaMs: -1 } }] }, "models[0].cooldown.quotaMs", /positive/],
    ["negative deadline", { models: [{ model }], deadlineMs: -1 }, "deadlineMs", /positive/],
    ["unknown midStream", { models: [{ model }], midStream: "resume" }, "midStream", /"error", "restart", "continue"/],
    [
      "unknown whenAllUnavailable",
      { models: [{ model }], whenAllUnavailable: "wait" },
      "whenAllUnavailable",
      /"try-nearest", "fail"/,
    ],
    [
      "health store without acquireProbe",
      { models: [{ model }], healthStore: { read() {}, write() {} } },
      "healthStore.acquireProbe",
      /must be a function/,
    ],
    [
      "providerOptions not an object",
      { models: [{ model, providerOptions: "x" }] },
      "models[0].providerOptions",
      /must be an object/,
    ],
  ])("%s", (_name, options, path, message) => {
    const error = configErrorOf(options);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${path}: `)).toBe(true);
    expect(error.fix.length).toBeGreaterThan(0);
  });

  it("accepts a full, valid configuration", () => {
    const chat = createFallback({
      models: [
        {
          model,
          id: "primary",
          retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 2_000, maxRetryAfterMs: 10_000 },
          timeout: { attemptMs: 30_000, firstTokenMs: 8_000, idleMs: false },
          breaker: { failureRate: 0.5, windowMs: 30_000, minimumRps: 1, halfOpenAfterMs: 10_000 },
          bulkhead: { maxConcurrent: 10, maxQueued: 5 },
          cooldown: { quotaMs: 60_000, maxMs: 120_000 },
          onFailure: { rate_limit: "fallback" },
          price: { inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3 },
          acceptsPrefill: true,
        },
        { model, id: "same-model-other-endpoint", breaker: false },
        {
          model,
          id: "adaptive-half-open",
          breaker: { consecutiveFailures: 3, halfOpenAfterMs: { initialMs: 1_000, maxMs: 1_000, multiplier: 1 } },
        },
        { model, id: "adaptive-defaults", breaker: { consecutiveFailures: 3, halfOpenAfterMs: {} } },
      ],
      defaults: { retry: { maxAttempts: 2 } },
      deadlineMs: 60_000,
      midStream: "restart",
      whenAllUnavailable: "fail",
      healthStore: new InMemoryHealthStore(),
    });
    expect(chat.modelIds).toEqual(["primary", "same-model-other-endpoint", "adaptive-half-open", "adaptive-defaults"]);
  });
});
