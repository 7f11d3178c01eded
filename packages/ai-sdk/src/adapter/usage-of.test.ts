import { maxTokenCount } from "@understudy/core/adapter";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { usageOf } from "./usage-of.ts";

const structured = (input: Record<string, unknown>, output: Record<string, unknown>) => ({
  inputTokens: input,
  outputTokens: output,
});

describe("usageOf", () => {
  it.each<[string, unknown, Record<string, number>]>([
    [
      "v3/v4 OpenAI: cached tokens are a part of the total, apart in ours",
      structured({ total: 100, noCache: 70, cacheRead: 30, cacheWrite: undefined }, { total: 20, text: 15, reasoning: 5 }),
      { inputTokens: 70, cachedInputTokens: 30, cacheWriteTokens: 0, outputTokens: 20, reasoningTokens: 5 },
    ],
    [
      "v3/v4 Anthropic: cache reads and writes apart",
      structured(
        { total: 160, noCache: 100, cacheRead: 40, cacheWrite: 20 },
        { total: 9, text: undefined, reasoning: undefined },
      ),
      { inputTokens: 100, cachedInputTokens: 40, cacheWriteTokens: 20, outputTokens: 9, reasoningTokens: 0 },
    ],
    [
      "v3/v4 without noCache: the total less the cache",
      structured({ total: 160, cacheRead: 40, cacheWrite: 20 }, { text: 7, reasoning: 3 }),
      { inputTokens: 100, cachedInputTokens: 40, cacheWriteTokens: 20, outputTokens: 10, reasoningTokens: 3 },
    ],
    [
      "v2: the input includes cached tokens",
      { inputTokens: 100, outputTokens: 20, totalTokens: 120, cachedInputTokens: 30, reasoningTokens: 25 },
      { inputTokens: 70, cachedInputTokens: 30, cacheWriteTokens: 0, outputTokens: 20, reasoningTokens: 20 },
    ],
    [
      "strings and junk",
      structured({ total: "12", noCache: -4, cacheRead: "x" }, { total: 1e308 }),
      { inputTokens: 0, outputTokens: maxTokenCount },
    ],
    [
      "none at all",
      undefined,
      { inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0 },
    ],
  ])("%s", (_name, usage, expected) => {
    expect(usageOf(usage)).toMatchObject({ ...expected, estimated: false });
  });

  const count = fc.oneof(
    fc.integer(),
    fc.double(),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 1e308, undefined, null, "7", "-3", "1e9", "abc", ""),
    fc.string(),
    fc.anything(),
  );
  const anyUsage = fc.oneof(
    fc.anything(),
    fc.record(
      { inputTokens: count, outputTokens: count, totalTokens: count, cachedInputTokens: count, reasoningTokens: count },
      { requiredKeys: [] },
    ),
    fc.record({
      inputTokens: fc.record({ total: count, noCache: count, cacheRead: count, cacheWrite: count }, { requiredKeys: [] }),
      outputTokens: fc.record({ total: count, text: count, reasoning: count }, { requiredKeys: [] }),
    }),
  );

  it("whatever a model reports, every count is a whole number from 0 to the cap, reasoning within the output (property)", () => {
    fc.assert(
      fc.property(anyUsage, (usage) => {
        const safe = usageOf(usage);
        for (const key of ["inputTokens", "cachedInputTokens", "cacheWriteTokens", "outputTokens", "reasoningTokens"] as const) {
          expect(Number.isInteger(safe[key]), key).toBe(true);
          expect(safe[key]).toBeGreaterThanOrEqual(0);
          expect(safe[key]).toBeLessThanOrEqual(maxTokenCount);
        }
        expect(safe.reasoningTokens).toBeLessThanOrEqual(safe.outputTokens);
        expect(safe.estimated).toBe(false);
      }),
    );
  });

  it("well-formed v3/v4 counts keep the whole input: uncached + cache reads + writes = the total (property)", () => {
    const n = fc.integer({ min: 0, max: 1_000_000 });
    fc.assert(
      fc.property(n, n, n, (uncached, read, write) => {
        const safe = usageOf(structured({ total: uncached + read + write, cacheRead: read, cacheWrite: write }, { total: 1 }));
        expect(safe.inputTokens + safe.cachedInputTokens + safe.cacheWriteTokens).toBe(uncached + read + write);
      }),
    );
  });
});
