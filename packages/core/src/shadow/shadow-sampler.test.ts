import { type ScriptStep, scriptedModel } from "@understudy/testing";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type ChatRequest,
  type ConfigError,
  createFallback,
  type Fallback,
  type FallbackOptions,
  isConfigError,
  type ModelAdapter,
  ModelError,
  type ShadowEvent,
  type ShadowOptions,
} from "../index.ts";

const request: ChatRequest = { messages: [{ role: "user", content: "hi" }] };
const backupId = "scripted:backup";

interface Setup {
  readonly primary?: ScriptStep[];
  readonly backup?: ScriptStep[];
  readonly backupModel?: ModelAdapter;
  readonly shadow?: Partial<ShadowOptions>;
  readonly backupEntry?: Partial<FallbackOptions["models"][number]>;
}

function setup({ primary = [], backup = [], backupModel, shadow = {}, backupEntry = {} }: Setup = {}) {
  const first = scriptedModel({ modelId: "primary", script: primary });
  const second = scriptedModel({ modelId: "backup", script: backup });
  const chat = createFallback({
    models: [
      { model: first, retry: { maxAttempts: 1 } },
      { model: backupModel ?? second, id: backupId, retry: { maxAttempts: 3, initialDelayMs: 0 }, ...backupEntry },
    ],
    shadow: { model: backupId, sampleRate: 1, pauseAfterFallbackMs: 0, ...shadow },
  });
  const events: ShadowEvent[] = [];
  chat.on("shadow", (event) => events.push(event));
  return { chat, primary: first, backup: second, events };
}

/** Resolves with the next `count` shadow events of `chat`. */
function nextShadows(chat: Fallback, count = 1): Promise<ShadowEvent[]> {
  const seen: ShadowEvent[] = [];
  return new Promise((resolve) => {
    const listener = (event: ShadowEvent) => {
      seen.push(event);
      if (seen.length === count) {
        chat.off("shadow", listener);
        resolve(seen);
      }
    };
    chat.on("shadow", listener);
  });
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function configErrorOf(shadow: unknown, models?: FallbackOptions["models"]): ConfigError {
  const a = scriptedModel({ modelId: "a" });
  const b = scriptedModel({ modelId: "b" });
  try {
    createFallback({ models: models ?? [{ model: a }, { model: b }], shadow } as FallbackOptions);
  } catch (error) {
    if (isConfigError(error)) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

afterEach(() => {
  vi.useRealTimers();
});

describe("shadow options", () => {
  it.each<[string, unknown, string, RegExp]>([
    ["not an object", 0.05, "shadow", /must be an object/],
    ["unknown key", { model: "scripted:b", sampleRate: 0.1, rate: 1 }, "shadow.rate", /not a known option/],
    ["model not in the chain", { model: "nope", sampleRate: 0.1 }, "shadow.model", /id of a model in the chain.*/],
    ["sampleRate above 1", { model: "scripted:b", sampleRate: 1.5 }, "shadow.sampleRate", /from 0 to 1/],
    ["sampleRate missing", { model: "scripted:b" }, "shadow.sampleRate", /from 0 to 1/],
    ["maxConcurrent 0", { model: "scripted:b", sampleRate: 1, maxConcurrent: 0 }, "shadow.maxConcurrent", /≥ 1/],
    ["timeoutMs 0", { model: "scripted:b", sampleRate: 1, timeoutMs: 0 }, "shadow.timeoutMs", /positive/],
    ["pause negative", { model: "scripted:b", sampleRate: 1, pauseAfterFallbackMs: -1 }, "shadow.pauseAfterFallbackMs", /≥ 0/],
    ["bad check", { model: "scripted:b", sampleRate: 1, answerChecks: [{}] }, "shadow.answerChecks[0].name", /non-empty/],
    ["random not a function", { model: "scripted:b", sampleRate: 1, random: 0.5 }, "shadow.random", /function/],
    [
      "cost cap without a price",
      { model: "scripted:b", sampleRate: 1, maxCostPerHour: 5 },
      "shadow.maxCostPerHour",
      /no `price`/,
    ],
  ])("%s", (_, shadow, path, problem) => {
    const error = configErrorOf(shadow);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(problem);
  });

  it("refuses a shadow that is the chain's only model", () => {
    const only = scriptedModel({ modelId: "only" });
    expect(configErrorOf({ model: "scripted:only", sampleRate: 1 }, [{ model: only }]).message).toMatch(/only model/);
  });

  it("takes a cost cap when the shadow model has a price", () => {
    const a = scriptedModel({ modelId: "a" });
    const b = scriptedModel({ modelId: "b" });
    const price = { inputPerMillion: 1, outputPerMillion: 2 };
    expect(() =>
      createFallback({
        models: [{ model: a }, { model: b, price }],
        shadow: { model: "scripted:b", sampleRate: 1, maxCostPerHour: 1 },
      }),
    ).not.toThrow();
  });
});

describe("the caller's safety", () => {
  it("the caller's promise resolves before the shadow call starts (generate)", async () => {
    const order: string[] = [];
    const backup = scriptedModel({
      modelId: "backup",
      script: () => {
        order.push("shadow call");
        return {};
      },
    });
    const { chat } = setup({ backupModel: backup });
    const shadowed = nextShadows(chat);
    const result = await chat.generate(request);
    order.push("caller has its result");
    expect(backup.calls).toHaveLength(0);
    const [event] = await shadowed;
    expect(order).toEqual(["caller has its result", "shadow call"]);
    expect(result.model).toBe("scripted:primary");
    expect(event).toMatchObject({
      requestId: result.requestId,
      model: backupId,
      answeringModel: "scripted:primary",
      outcome: "answered",
    });
    expect(event?.answer?.text).toBe("ok from backup");
  });

  it("the caller's stream and its result end before the shadow call starts (stream)", async () => {
    const { chat, backup } = setup();
    const shadowed = nextShadows(chat);
    const stream = chat.stream(request);
    let text = "";
    for await (const part of stream) if (part.type === "text-delta") text += part.text;
    const result = await stream.result;
    expect(backup.calls).toHaveLength(0);
    expect(text).toBe("ok from primary");
    const [event] = await shadowed;
    expect(event?.requestId).toBe(result.requestId);
    expect(backup.calls).toHaveLength(1);
    expect(backup.calls[0]?.method).toBe("generate");
  });

  it("property: the caller's results and the chain's health are the same with and without shadow", async () => {
    const step = fc.oneof(
      fc.record({ text: fc.constantFrom("a", "", "b c") }),
      fc.record({ error: fc.constantFrom("overloaded", "rate_limit", "server", "timeout", "quota") }),
    ) as fc.Arbitrary<ScriptStep>;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(step, step), { minLength: 1, maxLength: 12 }), async (steps) => {
        // Each request names its steps, so a shadow call (the same request) gets the step the real one would.
        const byRequest = (model: 0 | 1) => (_call: number, req: ChatRequest) =>
          steps[Number(String(req.messages[0]?.content).slice(1))]?.[model] ?? {};
        const run = async (withShadow: boolean) => {
          // A clock that stands still: what the engine decides by time is then the same in both runs.
          vi.useFakeTimers({ toFake: ["Date"], now: 1_700_000_000_000 });
          const primary = scriptedModel({ modelId: "primary", script: byRequest(0) });
          const backup = scriptedModel({ modelId: "backup", script: byRequest(1) });
          const chat = createFallback({
            models: [
              { model: primary, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2 } },
              { model: backup, retry: { maxAttempts: 2, initialDelayMs: 0 }, breaker: { consecutiveFailures: 2 } },
            ],
            ...(withShadow ? { shadow: { model: "scripted:backup", sampleRate: 1, pauseAfterFallbackMs: 0 } } : {}),
          });
          const outcomes: unknown[] = [];
          for (const index of steps.keys()) {
            const outcome = await chat.generate({ messages: [{ role: "user", content: `r${index}` }] }).then(
              (r) => ({
                text: r.text,
                model: r.model,
                attempts: r.attempts.map((a) => [a.model, a.outcome, a.kind, a.skipReason]),
              }),
              (error: unknown) => ({ error: (error as Error).name, kind: (error as { kind?: string }).kind }),
            );
            outcomes.push(outcome);
            await tick();
            await tick();
          }
          await chat.close();
          const health = chat.health().map(({ id, breaker, cooldownReason, recentFailures, inFlight }) => ({
            id,
            breaker,
            cooldownReason,
            recentFailures,
            inFlight,
          }));
          vi.useRealTimers();
          return { outcomes, health };
        };
        expect(await run(true)).toEqual(await run(false));
      }),
      { numRuns: 40 },
    );
  });

  it("a shadow that hangs, throws or rejects never affects the caller", async () => {
    const adapters: ModelAdapter[] = [
      scriptedModel({ modelId: "hangs", default: { hang: true } }),
      {
        provider: "odd",
        modelId: "throws",
        generate: () => {
          throw "not even an Error";
        },
        stream: () => {
          throw new Error("no");
        },
      },
      {
        provider: "odd",
        modelId: "rejects",
        generate: () => Promise.reject(new Error("boom with sk-abcdefghijklmnop1234 inside")),
        stream: () => {
          throw new Error("no");
        },
      },
    ];
    for (const backupModel of adapters) {
      const { chat } = setup({ backupModel, shadow: { timeoutMs: 50 } });
      const shadowed = nextShadows(chat);
      const result = await chat.generate(request);
      expect(result.text).toBe("ok from primary");
      expect(result.attempts).toHaveLength(1);
      const [event] = await shadowed;
      expect(event?.outcome).toBe("failed");
      expect(event?.message).not.toContain("sk-abcdefghijklmnop1234");
      await chat.close();
    }
  });

  it("close() aborts shadow calls in flight, awaits them and reports them, even from an adapter that ignores its signal", async () => {
    for (const step of [{ hang: true }, { hang: true, ignoreAbort: true }]) {
      const { chat, backup, events } = setup({ backup: [step] });
      await chat.generate(request);
      await tick();
      expect(backup.inFlight).toBe(1);
      await chat.close();
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ outcome: "failed", kind: "aborted" });
      expect(backup.calls[0]?.signal.aborted).toBe(true);
    }
  });

  it("close() right after a request reports its sample as skipped, with no call", async () => {
    const { chat, backup, events } = setup();
    await chat.generate(request);
    await chat.close();
    await tick();
    expect(backup.calls).toHaveLength(0);
    expect(events.map((e) => e.skipReason)).toEqual(["closed"]);
    await chat.generate(request);
    await tick();
    expect(events).toHaveLength(1);
  });

  it("a shadow call past timeoutMs is aborted and reported as a timeout", async () => {
    const { chat, backup } = setup({ backup: [{ hang: true }], shadow: { timeoutMs: 20 } });
    const shadowed = nextShadows(chat);
    await chat.generate(request);
    const [event] = await shadowed;
    expect(event).toMatchObject({ outcome: "failed", kind: "timeout" });
    expect(backup.calls[0]?.signal.aborted).toBe(true);
  });

  it("a throwing shadow listener is reported as listenerError and breaks nothing", async () => {
    const { chat } = setup();
    const errors: string[] = [];
    chat.on("listenerError", (event) => errors.push(event.event));
    chat.on("shadow", () => {
      throw new Error("listener bug");
    });
    const shadowed = nextShadows(chat);
    await expect(chat.generate(request)).resolves.toMatchObject({ text: "ok from primary" });
    await shadowed;
    expect(errors).toEqual(["shadow"]);
  });

  it("a slow shadow adds nothing to the caller's latency", async () => {
    const { chat } = setup({ backup: [{ delayMs: 300 }] });
    const started = performance.now();
    const result = await chat.generate(request);
    expect(performance.now() - started).toBeLessThan(100);
    expect(result.durationMs).toBeLessThan(100);
    await chat.close();
  });
});

describe("what is sampled", () => {
  it("only successful requests answered by another model, with the shadow model in the call's chain", async () => {
    const { chat, backup, events } = setup({ primary: [{ error: "invalid_request" }, { error: "overloaded" }] });
    await expect(chat.generate(request)).rejects.toThrow();
    const fellOver = await chat.generate(request);
    expect(fellOver.model).toBe(backupId);
    await chat.generate(request, { models: ["scripted:primary"] });
    await tick();
    expect(events).toHaveLength(0);
    expect(backup.calls).toHaveLength(1);
  });

  it("honours the sample rate through the draw", async () => {
    const draws = [0.1, 0.9, 0.5, 0.49];
    const { chat, events } = setup({ shadow: { sampleRate: 0.5, random: () => draws.shift() ?? 1 } });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await chat.generate(request)).requestId);
    await chat.close();
    expect(events.map((e) => e.requestId)).toEqual([ids[0], ids[3]]);
  });

  it("sampleRate 0 sends nothing", async () => {
    const { chat, backup } = setup({ shadow: { sampleRate: 0 } });
    for (let i = 0; i < 20; i++) await chat.generate(request);
    await tick();
    expect(backup.calls).toHaveLength(0);
  });

  it("sends the request as the shadow model gets it: its provider options merged", async () => {
    const { chat, backup } = setup({ backupEntry: { providerOptions: { scripted: { effort: "low" } } } });
    const shadowed = nextShadows(chat);
    await chat.generate({ ...request, providerOptions: { scripted: { seed: 1 } } });
    await shadowed;
    expect(backup.calls[0]?.request.providerOptions).toEqual({ scripted: { effort: "low", seed: 1 } });
  });

  it("runs the same checks on both answers and reports both verdicts", async () => {
    const { chat } = setup({ primary: [{ text: " " }], backup: [{ text: "fine" }, { text: "", finishReason: "length" }] });
    const shadowed = nextShadows(chat, 2);
    await chat.generate(request);
    await tick();
    await chat.generate(request);
    const [first, second] = await shadowed;
    expect(first?.realFailedCheck?.check).toBe("not-empty");
    expect(first?.failedCheck).toBeUndefined();
    expect(second?.realFailedCheck).toBeUndefined();
    expect(second?.failedCheck?.check).toBe("not-empty");
  });
});

describe("the backup's rate limit is not harmed", () => {
  it("no retry: one call even on a 529", async () => {
    const { chat, backup } = setup({ backup: [{ error: "overloaded", status: 529 }] });
    const shadowed = nextShadows(chat);
    await chat.generate(request);
    const [event] = await shadowed;
    await chat.close();
    expect(backup.calls).toHaveLength(1);
    expect(event).toMatchObject({ outcome: "failed", kind: "overloaded" });
  });

  it("many failing shadow calls leave the backup's breaker, cooldown and bulkhead as they were", async () => {
    const failures: ScriptStep[] = [
      { error: "overloaded" },
      { error: "rate_limit", retryAfterMs: 60_000 },
      { error: "quota" },
      { error: "server" },
      { hang: true },
    ];
    const { chat, backup } = setup({
      backup: Array.from({ length: 40 }, (_, i) => failures[i % failures.length] ?? {}),
      shadow: { timeoutMs: 5, maxConcurrent: 40 },
      backupEntry: { breaker: { consecutiveFailures: 1 }, bulkhead: { maxConcurrent: 1 } },
    });
    const before = chat.health();
    const shadowed = nextShadows(chat, 40);
    for (let i = 0; i < 40; i++) await chat.generate(request);
    const events = await shadowed;
    expect(events.every((e) => e.outcome === "failed")).toBe(true);
    expect(backup.calls).toHaveLength(40);
    expect(chat.health()).toEqual(before);
    const [, backupHealth] = chat.health();
    expect(backupHealth).toMatchObject({ breaker: "closed", cooldownUntil: undefined, recentFailures: 0, inFlight: 0 });
  });

  it("pauses while the backup's breaker is open, isolated or cooling down", async () => {
    const { chat, events } = setup({
      primary: [{ error: "overloaded" }],
      backup: [{ error: "quota" }],
      backupEntry: { breaker: { consecutiveFailures: 1 } },
    });
    await expect(chat.generate(request)).rejects.toThrow();
    expect(chat.health()[1]?.cooldownUntil).toBeDefined();
    await chat.generate(request);
    await tick();
    chat.reset(backupId);
    chat.isolate(backupId);
    await chat.generate(request);
    await tick();
    expect(events.map((e) => e.skipReason)).toEqual(["unhealthy", "unhealthy"]);
  });

  it("pauses for pauseAfterFallbackMs after a real request called the backup", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { chat, events } = setup({ primary: [{ error: "overloaded" }], shadow: { pauseAfterFallbackMs: 60_000 } });
    expect((await chat.generate(request)).model).toBe(backupId);
    await chat.generate(request);
    await tick();
    vi.setSystemTime(Date.now() + 60_001);
    const shadowed = nextShadows(chat);
    await chat.generate(request);
    await shadowed;
    expect(events.map((e) => e.skipReason ?? e.outcome)).toEqual(["serving_fallbacks", "answered"]);
  });

  it("pauses while the backup's bulkhead holds a real call", async () => {
    const gate = Promise.withResolvers<void>();
    const { chat, events } = setup({
      primary: [{ error: "overloaded" }],
      backup: [{ gate: gate.promise }],
      backupEntry: { bulkhead: { maxConcurrent: 1, maxQueued: 1 } },
      shadow: { pauseAfterFallbackMs: 0 },
    });
    const real = chat.generate(request);
    await tick();
    await chat.generate(request);
    await tick();
    gate.resolve();
    await real;
    expect(events.map((e) => e.skipReason)).toEqual(["serving_fallbacks"]);
  });

  it("holds at most maxConcurrent shadow calls in flight", async () => {
    const gate = Promise.withResolvers<void>();
    const { chat, backup, events } = setup({
      backup: [{ gate: gate.promise }, { gate: gate.promise }],
      shadow: { maxConcurrent: 2 },
    });
    for (let i = 0; i < 5; i++) {
      await chat.generate(request);
      await tick();
    }
    expect(backup.inFlight).toBe(2);
    expect(events.map((e) => e.skipReason)).toEqual(["max_concurrent", "max_concurrent", "max_concurrent"]);
    const answered = nextShadows(chat, 2);
    gate.resolve();
    expect((await answered).map((e) => e.outcome)).toEqual(["answered", "answered"]);
  });

  it("stops for the hour once the hour's shadow spend reached maxCostPerHour", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { chat, events } = setup({
      backup: Array.from({ length: 10 }, () => ({ usage: { inputTokens: 1, outputTokens: 0 } })),
      backupEntry: { price: { inputPerMillion: 1_000_000, outputPerMillion: 0 } },
      shadow: { maxCostPerHour: 2.5 },
    });
    for (let i = 0; i < 5; i++) {
      const shadowed = nextShadows(chat);
      await chat.generate(request);
      await shadowed;
    }
    expect(events.map((e) => e.skipReason ?? e.cost)).toEqual([1, 1, 1, "max_cost", "max_cost"]);
    vi.setSystemTime(Date.now() + 3_600_000);
    const shadowed = nextShadows(chat);
    await chat.generate(request);
    expect((await shadowed)[0]?.outcome).toBe("answered");
  });

  it("prices an adapter's partial usage as the engine does, so the hour's cap holds", async () => {
    // An adapter of your own may leave the cache counts out: NaN would price nothing, and lift the cap.
    const partial: ModelAdapter = {
      provider: "custom",
      modelId: "backup",
      generate: async () => ({
        text: "ok",
        toolCalls: [],
        finishReason: "stop",
        usage: { inputTokens: 1, outputTokens: 0 } as never,
      }),
      stream: () => {
        throw new Error("not streamed");
      },
    };
    const { chat, events } = setup({
      backupModel: partial,
      backupEntry: { price: { inputPerMillion: 1_000_000, outputPerMillion: 0 } },
      shadow: { maxCostPerHour: 1.5 },
    });
    for (let i = 0; i < 3; i++) {
      const shadowed = nextShadows(chat);
      await chat.generate(request);
      await shadowed;
    }
    expect(events.map((e) => e.skipReason ?? e.cost)).toEqual([1, 1, "max_cost"]);
  });

  it("reports an adapter's answer that is no response as a failed shadow call", async () => {
    const broken: ModelAdapter = {
      provider: "custom",
      modelId: "backup",
      generate: async () => null as never,
      stream: () => {
        throw new Error("not streamed");
      },
    };
    const { chat } = setup({ backupModel: broken });
    const shadowed = nextShadows(chat);
    await chat.generate(request);
    expect((await shadowed)[0]).toMatchObject({ outcome: "failed", kind: "server" });
  });

  it("throws nothing a caller could see when the backup's adapter answers after close()", async () => {
    const late = Promise.withResolvers<void>();
    const { chat } = setup({ backup: [{ gate: late.promise, ignoreAbort: true }] });
    await chat.generate(request);
    await tick();
    await chat.close();
    late.resolve();
    await tick();
    await expect(chat.generate(request)).resolves.toBeDefined();
  });
});

describe("a shadow failure's message", () => {
  it("keeps a ModelError's kind and status-free message", async () => {
    const error = new ModelError({ kind: "rate_limit", message: "slow down", provider: "scripted", model: "backup" });
    const { chat } = setup({ backup: [{ error }] });
    const shadowed = nextShadows(chat);
    await chat.generate(request);
    expect((await shadowed)[0]).toMatchObject({ outcome: "failed", kind: "rate_limit", message: "slow down" });
  });
});
