import { inspect } from "node:util";

/** The shortest fragment of a key that counts as a leak. */
export const leakFragmentLength = 8;

/** Where a key showed up: in full, or only as a fragment of ≥ 8 characters. */
export interface SecretSighting {
  /** Index of the value in the list scanned. */
  readonly index: number;
  /** `exact` for the whole key, `fragment` for a piece of it. */
  readonly form: "exact" | "fragment";
  /** The fragment found (the key itself for `exact`), for the report. */
  readonly found: string;
  /** A little context around it. */
  readonly around: string;
}

/**
 * Looks for `key` in every value, fully inspected (any depth, hidden fields,
 * getters, error causes): the whole key, or any run of ≥ 8 of its characters.
 */
export function scanForSecret(key: string, values: readonly unknown[]): SecretSighting[] {
  const sightings: SecretSighting[] = [];
  const fragments: string[] = [];
  for (let start = 0; start + leakFragmentLength <= key.length; start++)
    fragments.push(key.slice(start, start + leakFragmentLength));
  values.forEach((value, index) => {
    const text = textOf(value);
    const exact = text.indexOf(key);
    if (exact >= 0) {
      sightings.push({
        index,
        form: "exact",
        found: key,
        around: oneLine(text.slice(Math.max(0, exact - 40), exact + key.length + 40)),
      });
      return;
    }
    for (const fragment of fragments) {
      const at = text.indexOf(fragment);
      if (at >= 0) {
        sightings.push({ index, form: "fragment", found: fragment, around: oneLine(text.slice(Math.max(0, at - 40), at + 48)) });
        return;
      }
    }
  });
  return sightings;
}

function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return inspect(value, {
      depth: Number.POSITIVE_INFINITY,
      showHidden: true,
      getters: true,
      maxArrayLength: null,
      maxStringLength: null,
    });
  } catch (error) {
    return `<uninspectable: ${String(error)}>`;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ");
}
