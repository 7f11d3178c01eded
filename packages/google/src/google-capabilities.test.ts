import { describe, expect, it } from "vitest";
import { checksThoughtSignatures, geminiCapabilities } from "./google-capabilities.ts";

describe("geminiCapabilities", () => {
  it.each<[string, Record<string, unknown>]>([
    ["gemini-3-pro-preview", { contextWindow: 1_048_576, tools: true, images: true, json: true, reasoning: true }],
    ["gemini-3.1-flash-lite-preview", { contextWindow: 1_048_576, reasoning: true }],
    ["gemini-2.5-pro", { contextWindow: 1_048_576, reasoning: true }],
    ["gemini-2.5-flash", { reasoning: true }],
    ["gemini-2.5-flash-lite", { contextWindow: 1_048_576, reasoning: false }],
    ["gemini-2.0-flash", { contextWindow: 1_048_576, reasoning: false }],
    ["gemini-1.5-pro-002", { contextWindow: 2_097_152, reasoning: false }],
    ["models/gemini-2.5-pro", { contextWindow: 1_048_576, reasoning: true }],
    ["projects/p/locations/global/publishers/google/models/gemini-2.5-flash", { reasoning: true }],
    ["gemini-flash-latest", { contextWindow: 1_048_576, reasoning: true }],
    ["gemini-flash-lite-latest", { reasoning: false }],
  ])("%s", (id, expected) => {
    expect(geminiCapabilities(id)).toMatchObject({ ...expected, prefill: false });
  });

  it("knows nothing but the prefill of a model it does not recognise", () => {
    expect(geminiCapabilities("gemma-3-27b-it")).toEqual({ prefill: false });
    expect(geminiCapabilities("tunedModels/abc123")).toEqual({ prefill: false });
  });

  it("signs other models' calls for Gemini 3 and later, and for names it cannot date", () => {
    expect(
      ["gemini-3-pro-preview", "gemini-3.1-flash", "gemini-flash-latest", "models/gemini-4-ultra"].map(checksThoughtSignatures),
    ).toEqual([true, true, true, true]);
    expect(
      ["gemini-2.5-pro", "gemini-2.0-flash", "gemini-1.5-pro", "models/gemini-2.5-flash"].map(checksThoughtSignatures),
    ).toEqual([false, false, false, false]);
  });
});
