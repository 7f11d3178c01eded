/** The first key of `value` that is not in `known`, with the known key it most likely meant. */
export function firstUnknownKey(
  value: object,
  known: readonly string[],
): { readonly key: string; readonly suggestion: string | undefined } | undefined {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) return { key, suggestion: closestName(key, known) };
  }
  return undefined;
}

/** The fix for an unknown key: the likely meaning first, then every known key. */
export function unknownKeyFix(suggestion: string | undefined, known: readonly string[]): string {
  const all = `use one of: ${known.join(", ")}`;
  return suggestion === undefined ? all : `did you mean \`${suggestion}\`? (${all})`;
}

/**
 * The known name `key` was most likely meant as: the same name in another
 * case or spelling convention (`max_tokens` → `maxTokens`), or one a couple of
 * typos away (`temprature` → `temperature`).
 */
export function closestName(key: string, known: readonly string[]): string | undefined {
  const wanted = normalise(key);
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(wanted, normalise(name));
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(1, Math.floor(wanted.length / 4)) ? best.name : undefined;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, "");
}

/** Levenshtein distance, one row at a time (names are short). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
