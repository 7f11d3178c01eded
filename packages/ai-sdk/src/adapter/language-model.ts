import type { LanguageModelV2, LanguageModelV3, LanguageModelV4 } from "@ai-sdk/provider";

/** An AI SDK language model of any specification this package speaks: v2 (AI SDK 5), v3 (AI SDK 6), v4 (AI SDK 7). */
export type AnyLanguageModel = LanguageModelV2 | LanguageModelV3 | LanguageModelV4;

/** Which specification a model implements: the shapes of its prompt files, finish reasons and usage differ. */
export type SpecVersion = AnyLanguageModel["specificationVersion"];

const known: readonly string[] = ["v2", "v3", "v4"] satisfies SpecVersion[];

/**
 * The model's specification version, checked at construction: a v1 model
 * (AI SDK 4) or a future one would be mis-read part by part, so it is
 * refused at once instead.
 */
export function specVersionOf(model: AnyLanguageModel): SpecVersion {
  const version: unknown = (model as { specificationVersion?: unknown } | null)?.specificationVersion;
  if (typeof version === "string" && known.includes(version)) return version as SpecVersion;
  throw new TypeError(
    `aiSdk(): expected an AI SDK LanguageModel of specification v2, v3 or v4, got ${typeof version === "string" ? version : typeof model}`,
  );
}
