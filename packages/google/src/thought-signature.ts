import type { ProviderMetadata } from "@understudy/core/adapter";
import { bareModelId } from "./google-capabilities.ts";
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

/**
 * Who issues the thought signatures an adapter reads, and takes them back: a
 * signature is Gemini's own encrypted record of one model's thinking, valid
 * only for the model that wrote it, on the endpoint that served it (the
 * Gemini API and Vertex AI, or two gateways, are not the same backend).
 */
export interface SignatureOrigin {
  /** The model's id, as the adapter was made with it (`gemini-3-pro`). */
  readonly model: string;
  /** The endpoint: `gemini-api` or `vertex-ai`, and its base URL when known. */
  readonly endpoint: string;
}

/**
 * The thought signature in a piece's provider facts
 * (`providerMetadata.google.thoughtSignature`), when it has one that
 * `origin` issued (`signedBy` the same model, on the same `endpoint`): a
 * signature of another model, another endpoint, or of no known origin is not
 * sent back (Gemini would refuse it as corrupted), and the call is then
 * another model's.
 */
export function thoughtSignatureOf(metadata: ProviderMetadata | undefined, origin: SignatureOrigin): string | undefined {
  const google = metadata?.[googleKey];
  if (!isRecord(google)) return undefined;
  const { thoughtSignature: signature, signedBy, endpoint } = google;
  if (typeof signature !== "string" || signature === "") return undefined;
  if (typeof signedBy !== "string" || bareModelId(signedBy) !== bareModelId(origin.model)) return undefined;
  return endpoint === origin.endpoint ? signature : undefined;
}

/**
 * The provider facts that carry a thought signature back on the next turn,
 * with who issued it (`signedBy`, `endpoint`); `undefined` for none.
 */
export function signatureMetadata(signature: string | undefined, origin: SignatureOrigin): ProviderMetadata | undefined {
  return signature === undefined
    ? undefined
    : { [googleKey]: { thoughtSignature: signature, signedBy: origin.model, endpoint: origin.endpoint } };
}
