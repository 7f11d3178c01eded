/** Key shapes of the common providers: OpenAI `sk-…`, `sk-proj-…`; Anthropic `sk-ant-…`; Groq `gsk_…`; OpenRouter `sk-or-…`. */
const keyPattern = /\b(?:sk|gsk|xai|pk)[-_][A-Za-z0-9_-]{8,}/g;

/**
 * Removes secrets from text that may reach an error message, an event or a
 * log: every exact `secrets` value (the keys the adapter was given), and
 * anything shaped like a provider API key. Some OpenAI-compatible servers echo
 * the key they received in their error messages.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 6) clean = clean.split(secret).join("[redacted]");
  }
  return clean.replace(keyPattern, "[redacted]");
}
