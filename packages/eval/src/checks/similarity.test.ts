import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { answerSimilarity, jsonEqual, jsonSimilarity, normalizedTokens, tokenF1 } from "./similarity.ts";

const words = fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 1, maxLength: 12 });
const json = fc.jsonValue({ maxDepth: 3 });

/** The same value with every object's keys in another order. */
function reordered(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item) => reordered(item, seed));
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).map(([key, child]) => [key, reordered(child, seed)] as const);
  const rotated =
    entries.length === 0 ? entries : [...entries.slice(seed % entries.length), ...entries.slice(0, seed % entries.length)];
  return Object.fromEntries(rotated.reverse());
}

const answer = (text: string) => ({ text, toolCalls: [], finishReason: "stop" as const, refused: false });

describe("tokenF1", () => {
  it("normalises as SQuAD does: case, punctuation and articles do not count", () => {
    expect(normalizedTokens("The Capital, of France: is PARIS!")).toEqual(["capital", "of", "france", "is", "paris"]);
    expect(tokenF1("Paris is the capital.", "paris is a capital")).toBe(1);
  });

  it("deletes punctuation as SQuAD does, so a contraction or an abbreviation stays one token", () => {
    expect(normalizedTokens("Don't go to the U.S.")).toEqual(["dont", "go", "to", "us"]);
    expect(tokenF1("don't", "dont")).toBe(1);
    expect(tokenF1("U.S.", "US")).toBe(1);
  });

  it("is 1 for a text and itself, and symmetric, and between 0 and 1", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(tokenF1(a, a)).toBe(1);
        expect(tokenF1(a, b)).toBe(tokenF1(b, a));
        expect(tokenF1(a, b)).toBeGreaterThanOrEqual(0);
        expect(tokenF1(a, b)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("is 0 for texts with no token in common", () => {
    fc.assert(
      fc.property(words, words, (a, b) => {
        const left = a.map((word) => `x${word}`).join(" ");
        const right = b.map((word) => `y${word}`).join(" ");
        expect(tokenF1(left, right)).toBe(0);
      }),
    );
  });

  it("does not depend on word order", () => {
    fc.assert(
      fc.property(words, (a) => {
        expect(tokenF1(a.join(" "), [...a].reverse().join(" "))).toBe(1);
      }),
    );
  });

  it("counts partial overlap: half the words in common", () => {
    expect(tokenF1("red green", "red blue")).toBeCloseTo(0.5);
  });
});

describe("jsonSimilarity", () => {
  it("is 1 for a value and itself with keys in any order", () => {
    fc.assert(
      fc.property(json, fc.nat(), (value, seed) => {
        expect(jsonSimilarity(value, reordered(value, seed))).toBe(1);
        expect(jsonEqual(value, reordered(value, seed))).toBe(true);
      }),
    );
  });

  it("is symmetric and between 0 and 1", () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(jsonSimilarity(a, b)).toBe(jsonSimilarity(b, a));
        expect(jsonSimilarity(a, b)).toBeGreaterThanOrEqual(0);
        expect(jsonSimilarity(a, b)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("scores the share of leaves in common, and tells values apart", () => {
    expect(jsonSimilarity({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(1);
    expect(jsonSimilarity({ a: 1, b: 2 }, { a: 1, b: 3 })).toBe(0.5);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ quantity: 2 }, { quantity: "2" })).toBe(false);
    expect(jsonSimilarity({ a: 1 }, { b: 1 })).toBe(0);
  });
});

describe("answerSimilarity", () => {
  it("compares JSON answers by structure, text by token F1, and a tool call against text as 0", () => {
    expect(answerSimilarity(answer('{"a": 1, "b": [true]}'), answer('{ "b": [true], "a": 1 }')).score).toBe(1);
    expect(answerSimilarity(answer("Paris."), answer("paris")).measure).toBe("token F1");
    const call = {
      text: "",
      toolCalls: [{ name: "get_weather", args: { city: "Lyon" }, argsText: "{}" }],
      finishReason: "tool-calls" as const,
      refused: false,
    };
    expect(answerSimilarity(call, call).score).toBe(1);
    expect(answerSimilarity(call, answer("Take an umbrella.")).score).toBe(0);
  });
});
