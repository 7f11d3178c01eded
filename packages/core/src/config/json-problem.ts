/** Nesting deeper than this is refused: serialising it would overflow the stack inside the SDK. */
const maxDepth = 200;

/**
 * Why `value` cannot be sent to a provider as JSON, naming where inside it
 * (`a circular reference at .properties.self`), or `undefined` when it can.
 * The SDKs serialise request bodies with `JSON.stringify`, which throws on a
 * cycle or a BigInt: caught inside an attempt, that caller's bug would look
 * like a provider fault and count against a healthy model.
 */
export function jsonProblem(value: unknown): string | undefined {
  return problemAt(value, "", new Set(), 0);
}

function problemAt(value: unknown, path: string, ancestors: Set<object>, depth: number): string | undefined {
  if (typeof value === "bigint") return `holds a BigInt at ${path || "the top"}, which JSON cannot carry`;
  if (typeof value !== "object" || value === null) return undefined;
  if (ancestors.has(value)) return `holds a circular reference at ${path || "the top"}`;
  if (depth >= maxDepth) return `is nested deeper than ${maxDepth} levels at ${path}`;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return undefined;
  ancestors.add(value);
  try {
    const entries = Array.isArray(value) ? value.map((item, index) => [`[${index}]`, item] as const) : entriesOf(value);
    for (const [key, child] of entries) {
      const problem = problemAt(child, `${path}${key}`, ancestors, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  } finally {
    ancestors.delete(value);
  }
}

function entriesOf(value: object): (readonly [string, unknown])[] {
  return Object.entries(value).map(([key, child]) => [
    /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`,
    child,
  ]);
}
