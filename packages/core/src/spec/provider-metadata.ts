/**
 * Provider-specific facts that travel with a piece of content and must come
 * back unchanged on the next turn — Gemini's thought signatures, the AI
 * SDK's `providerMetadata` — keyed by provider name (`{ google: {
 * thoughtSignature: "…" } }`). An adapter writes under its own key and reads
 * its own key back; the engine and the other adapters carry it untouched.
 * Values are plain JSON.
 */
export type ProviderMetadata = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** `a` and `b` merged per provider (a provider's fields in `b` win); `undefined` when both are. */
export function mergeProviderMetadata(
  a: ProviderMetadata | undefined,
  b: ProviderMetadata | undefined,
): ProviderMetadata | undefined {
  if (!a || !b) return a ?? b;
  const merged: Record<string, Readonly<Record<string, unknown>>> = { ...a };
  for (const [provider, fields] of Object.entries(b)) merged[provider] = { ...a[provider], ...fields };
  return merged;
}
