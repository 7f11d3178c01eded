import { createFallback } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { chainConfigOf, finiteDeadline } from "./chain-config.ts";

describe("chainConfigOf", () => {
  it("reads the chain's deadline and which models have a price, by chain id", () => {
    const chat = createFallback({
      models: [
        { model: scriptedModel({ modelId: "a" }), price: { inputPerMillion: 1, outputPerMillion: 2 } },
        { model: scriptedModel({ modelId: "b" }) },
        { model: scriptedModel({ modelId: "a" }), id: "a-again", price: { inputPerMillion: 1, outputPerMillion: 2 } },
      ],
      deadlineMs: 5_000,
    });
    const config = chainConfigOf(chat);
    expect(config.deadlineMs).toBe(5_000);
    expect(chat.modelIds.map((id) => config.isPriced?.(id))).toEqual([true, false, true]);
  });

  it("a chain without a deadline, or with Infinity, has none", () => {
    const model = scriptedModel({ modelId: "a" });
    expect(chainConfigOf(createFallback({ models: [{ model }] })).deadlineMs).toBeUndefined();
    expect(
      chainConfigOf(createFallback({ models: [{ model }], deadlineMs: Number.POSITIVE_INFINITY })).deadlineMs,
    ).toBeUndefined();
    expect(finiteDeadline(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});
