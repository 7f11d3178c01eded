/** Key shapes of the common providers: OpenAI `sk-…`, `sk-proj-…`; Anthropic `sk-ant-…`; Groq `gsk_…`; OpenRouter `sk-or-…`. */
// OpenAI, Groq, xAI and Anthropic keys by their prefix; Google API keys (`AIza` and 35 more characters).
const keyPattern = /\b(?:sk|gsk|xai|pk)[-_][A-Za-z0-9_-]{8,}|\bAIza[0-9A-Za-z_-]{35}/g;

/**
 * The shortest piece of a configured key that {@link redactSecrets} removes:
 * 8 characters. A provider may echo a key without its prefix, or a long piece
 * of it, and such a piece is as good as the key to whoever brute-forces the
 * rest; shorter pieces (OpenAI's masked `sk-…WXYZ` shows 4) are left, because
 * they give little away and would redact ordinary words.
 */
export const minSecretFragment = 8;

/** Keys shorter than this are not redacted at all: they would match ordinary words. */
const minSecretLength = 6;

const marker = "[redacted]";

/**
 * Removes secrets from text that may reach an error message, an event or a
 * log: every substring of {@link minSecretFragment} (8) or more characters of
 * a `secrets` value (the keys the adapter was given; a key of 6 or 7
 * characters only where it appears whole), and anything shaped like a
 * provider API key. Some OpenAI-compatible servers echo the key they received,
 * whole or in part, in their errors and headers.
 *
 * It runs in time linear in the text: each key is cut into its 8-character
 * pieces once, and each 8-character window of the text is looked up among them.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  const fragments = new Set<string>();
  let clean = text;
  for (const secret of secrets) {
    if (!secret || secret.length < minSecretLength) continue;
    if (secret.length < minSecretFragment) clean = clean.split(secret).join(marker);
    else
      for (let start = 0; start + minSecretFragment <= secret.length; start++)
        fragments.add(secret.slice(start, start + minSecretFragment));
  }
  if (fragments.size > 0) clean = withoutFragments(clean, fragments);
  return clean.replace(keyPattern, marker);
}

/**
 * Replaces every run of text covered by windows found in `fragments` with one
 * marker. A substring of ≥ 8 characters of a key is made of such windows, so
 * it is covered whole.
 */
function withoutFragments(text: string, fragments: ReadonlySet<string>): string {
  let result = "";
  let kept = 0;
  let coveredUntil = -1;
  let runStart = -1;
  for (let start = 0; start + minSecretFragment <= text.length; start++) {
    if (!fragments.has(text.slice(start, start + minSecretFragment))) continue;
    if (start > coveredUntil) {
      if (runStart >= 0) {
        result += text.slice(kept, runStart) + marker;
        kept = coveredUntil;
      }
      runStart = start;
    }
    coveredUntil = start + minSecretFragment;
  }
  if (runStart < 0) return text;
  return result + text.slice(kept, runStart) + marker + text.slice(coveredUntil);
}
