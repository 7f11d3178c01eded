import type { AttemptRecord, FallbackResult, Usage } from "@understudy/core";
import { describe, expect, it } from "vitest";
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

  it("is empty without waste", () => {
    expect(wastedCostByModel(resultOf(0, [attempt("a", "failure", 10)]))).toEqual(new Map());
  });
});
