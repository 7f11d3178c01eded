import type { ProviderMetadata } from "@understudy/core/adapter";
import { isRecord } from "./is-record.ts";

/**
 * The key under which this adapter writes, and reads back, its provider
 * facts (`providerMetadata.google`) and its options (`providerOptions.google`),
 * whatever `provider` name the adapter reports.
 */
export const googleKey = "google";

/**
 * The thought signature Google documents for a function call the model did
 * not make itself (history from another model, or a hand-built one): Gemini 3
 * answers 400 "Function call is missing a thought_signature" when the first
 * function call of a step comes back unsigned, and this value skips that
 * check. Documented for the Gemini API
 * (https://ai.google.dev/gemini-api/docs/thought-signatures, FAQ: "either
 * `context_engineering_is_the_way_to_go` or `skip_thought_signature_validator`")
 * and for Vertex AI
 * (https://cloud.google.com/vertex-ai/generative-ai/docs/thought-signatures,
 * `skip_thought_signature_validator`), so the value both accept is used.
 */
export const foreignCallSignature = "skip_thought_signature_validator";

/** The thought signature in a piece's provider facts (`providerMetadata.google.thoughtSignature`), when it has one. */
export function thoughtSignatureOf(metadata: ProviderMetadata | undefined): string | undefined {
  const google = metadata?.[googleKey];
  const signature = isRecord(google) ? google.thoughtSignature : undefined;
  return typeof signature === "string" && signature !== "" ? signature : undefined;
}

/** The provider facts that carry a thought signature back on the next turn; `undefined` for none. */
export function signatureMetadata(signature: string | undefined): ProviderMetadata | undefined {
  return signature === undefined ? undefined : { [googleKey]: { thoughtSignature: signature } };
}
