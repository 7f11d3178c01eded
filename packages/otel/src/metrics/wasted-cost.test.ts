import { type AttemptRecord, createFallback, type FallbackResult, type Usage } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { ChainInstrumentation } from "../chain-instrumentation.ts";
import { useOtel } from "../test-support/otel-harness.ts";
import { wastedCostByModel } from "./wasted-cost.ts";

const usage = (tokens: number): Usage => ({
  inputTokens: tokens,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  estimated: false,
});
const attempt = (model: string, outcome: AttemptRecord["outcome"], tokens?: number): AttemptRecord => ({
  model,
  provider: "p",
  modelId: model,
  attempt: 1,
  outcome,
  waitedMs: 0,
  durationMs: 1,
  probe: false,
  startedAt: 0,
  ...(tokens === undefined ? {} : { usage: usage(tokens) }),
});
const resultOf = (wasted: number, attempts: AttemptRecord[]) =>
  ({ cost: { answer: 1, wasted, total: 1 + wasted, complete: true }, attempts }) as unknown as FallbackResult;

describe("wastedCostByModel", () => {
  it("gives all the waste to the one model that wasted it", () => {
    const result = resultOf(0.5, [attempt("a", "failure", 10), attempt("a", "failure", 30), attempt("b", "success", 99)]);
    expect(wastedCostByModel(result)).toEqual(new Map([["a", 0.5]]));
  });

  it("shares it by tokens when several models wasted some, skips and answers aside", () => {
    const result = resultOf(1, [
      attempt("a", "failure", 30),
      attempt("s", "skipped"),
      attempt("b", "cancelled", 10),
      attempt("c", "success", 5),
    ]);
    expect(wastedCostByModel(result)).toEqual(
      new Map([
        ["a", 0.75],
        ["b", 0.25],
      ]),
    );
  });

  it("leaves models without a price out: they cost nothing in the waste, so take no share of it", () => {
    const result = resultOf(0.6, [attempt("priced", "failure", 10), attempt("free", "failure", 990), attempt("c", "success", 5)]);
    expect(wastedCostByModel(result, (model) => model !== "free")).toEqual(new Map([["priced", 0.6]]));
  });

  it("is empty without waste", () => {
    expect(wastedCostByModel(resultOf(0, [attempt("a", "failure", 10)]))).toEqual(new Map());
  });
});

describe("understudy.cost.wasted", () => {
  const otel = useOtel();

  it("goes to the priced model that wasted it, none to an unpriced one that used more tokens", async () => {
    const priced = scriptedModel({ modelId: "priced", default: { error: "server", afterChunks: 1, text: "a b c d" } });
    const unpriced = scriptedModel({
      modelId: "unpriced",
      default: { error: "server", afterChunks: 3, text: "a b c d e f g h i j k l m n o p q r s t u v w x y z" },
    });
    const chat = createFallback({
      models: [
        { model: priced, retry: { maxAttempts: 1 }, price: { inputPerMillion: 1_000_000, outputPerMillion: 0 } },
        { model: unpriced, retry: { maxAttempts: 1 } },
        { model: scriptedModel({ modelId: "answer" }) },
      ],
    });
    new ChainInstrumentation(chat, { meterProvider: otel().meterProvider });
    const stream = chat.stream({ messages: [{ role: "user", content: "hello there" }] }, { midStream: "restart" });
    for await (const _ of stream);
    const result = await stream.result;
    expect(result.cost.wasted).toBeGreaterThan(0);
    expect(result.attempts.find((a) => a.model === "scripted:unpriced")?.usage).toBeDefined();

    const points = await otel().points("understudy.cost.wasted");
    expect(points).toEqual([{ attributes: { "understudy.model": "scripted:priced" }, value: result.cost.wasted }]);
  });
});
