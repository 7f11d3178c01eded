import { scriptedModel } from "@understudy/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createFallback, type Usage } from "../index.ts";
import { maxTokenCount } from "./token-count.ts";
import { safeUsage } from "./usage.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };
const price = { inputPerMillion: 3, outputPerMillion: 15 };

describe("usage is untrusted", () => {
  it("safeUsage turns any value into whole counts from 0 to the bound", () => {
    fc.assert(
      fc.property(fc.anything(), (usage) => {
        const safe = safeUsage(usage);
        for (const key of ["inputTokens", "cachedInputTokens", "cacheWriteTokens", "outputTokens", "reasoningTokens"] as const) {
          expect(Number.isInteger(safe[key])).toBe(true);
          expect(safe[key]).toBeGreaterThanOrEqual(0);
          expect(safe[key]).toBeLessThanOrEqual(maxTokenCount);
        }
        expect(safe.reasoningTokens).toBeLessThanOrEqual(safe.outputTokens);
        expect(typeof safe.estimated).toBe("boolean");
      }),
    );
  });

  it("an adapter reporting negative, string or absurd counts yields sane totals and costs", async () => {
    const hostile = { inputTokens: -5, outputTokens: "7", cachedInputTokens: 1e308, cacheWriteTokens: Number.NaN };
    const model = scriptedModel({ modelId: "m", default: { usage: hostile as unknown as Partial<Usage> } });
    const chat = createFallback({ models: [{ model, price }] });
    const result = await chat.generate(request);
    expect(result.usage).toMatchObject({
      inputTokens: 0,
      outputTokens: 7,
      cachedInputTokens: maxTokenCount,
      cacheWriteTokens: 0,
    });
    expect(result.totalUsage.outputTokens).toBe(7);
    expect(result.cost.total).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(result.cost.total)).toBe(true);
  });
});
