import fc from "fast-check";

/**
 * A generated value that knows what is wrong with it: each issue names the
 * field (as a path relative to the value) and whether the engine must refuse
 * it (`invalid`) or may either refuse it or cope (`ambiguous`: `Infinity`,
 * 2^31 ms, a huge count…).
 */
export interface Built {
  readonly value: unknown;
  readonly issues: readonly Issue[];
}

/** A field a validator should name. */
export interface Issue {
  /** The field, e.g. `models[1].retry.maxAttempts`. */
  readonly path: string;
  readonly verdict: "invalid" | "ambiguous";
  /** The value, for the report. */
  readonly value: string;
}

/** Joins a parent path and a child path (`""` is the field itself, `[0]` an index). */
export function joinPath(parent: string, child: string): string {
  if (child === "") return parent;
  if (parent === "") return child;
  return child.startsWith("[") ? `${parent}${child}` : `${parent}.${child}`;
}

/** Re-roots a built value's issues under `path`. */
export function under(path: string, built: Built): Issue[] {
  return built.issues.map((issue) => ({ ...issue, path: joinPath(path, issue.path) }));
}

/** A short, safe description of any value. */
export function show(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "function") return "a function";
  if (value === null || typeof value !== "object") return String(value);
  if (Array.isArray(value)) return "an array";
  try {
    return JSON.stringify(value).slice(0, 60);
  } catch {
    return "an unserialisable object";
  }
}

/** A leaf field: mostly valid values, sometimes invalid, sometimes ambiguous ones. */
export function leaf(
  valid: fc.Arbitrary<unknown>,
  invalid: fc.Arbitrary<unknown>,
  ambiguous?: fc.Arbitrary<unknown>,
): fc.Arbitrary<Built> {
  const arbitraries = [
    { weight: 60, arbitrary: valid.map((value): Built => ({ value, issues: [] })) },
    {
      weight: 3,
      arbitrary: invalid.map((value): Built => ({ value, issues: [{ path: "", verdict: "invalid", value: show(value) }] })),
    },
  ];
  if (ambiguous)
    arbitraries.push({
      weight: 5,
      arbitrary: ambiguous.map((value): Built => ({ value, issues: [{ path: "", verdict: "ambiguous", value: show(value) }] })),
    });
  return fc.oneof(...arbitraries);
}

/** A fixed, valid value. */
export function valid(value: unknown): fc.Arbitrary<Built> {
  return fc.constant({ value, issues: [] });
}

/** A value that is wrong as a whole (a section that is not an object, …). */
export function wrong(values: fc.Arbitrary<unknown>): fc.Arbitrary<Built> {
  return values.map((value) => ({ value, issues: [{ path: "", verdict: "invalid", value: show(value) }] }));
}

/** Keys no option has, some of them tricky for a validator (`constructor`, `__proto__`, near-misses). */
export const unknownKeys = fc.constantFrom(
  "maxAttempt",
  "retries",
  "timeoutMs",
  "deadline",
  "enabled",
  "constructor",
  "toString",
  "__proto__",
  "hasOwnProperty",
  "max_tokens",
);

/**
 * An object of optional fields (each present or not), `required` ones an issue
 * when absent, and now and then an unknown key (an issue at that key).
 */
export function objectOf(
  fields: Readonly<Record<string, fc.Arbitrary<Built>>>,
  options: { readonly required?: readonly string[]; readonly unknownKeys?: boolean } = {},
): fc.Arbitrary<Built> {
  const names = Object.keys(fields);
  const entries = names.map((name) =>
    options.required?.includes(name)
      ? rarelyAbsent(fields[name] as fc.Arbitrary<Built>, 30)
      : fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fields[name] as fc.Arbitrary<Built> }),
  );
  const extra =
    options.unknownKeys === false ? fc.constant(undefined) : rarely(fc.tuple(unknownKeys, fc.jsonValue({ maxDepth: 1 })), 50);
  return fc.tuple(fc.tuple(...entries), extra).map(([values, unknown]) => {
    const value: Record<string, unknown> = {};
    const issues: Issue[] = [];
    names.forEach((name, index) => {
      const built = values[index];
      if (built === undefined) {
        if (options.required?.includes(name)) issues.push({ path: name, verdict: "invalid", value: "missing" });
        return;
      }
      define(value, name, built.value);
      issues.push(...under(name, built));
    });
    if (unknown) {
      define(value, unknown[0], unknown[1]);
      issues.push({ path: unknown[0], verdict: "invalid", value: `unknown key = ${show(unknown[1])}` });
    }
    return { value, issues };
  });
}

/** `arbitrary` once in `odds` draws, `undefined` otherwise. */
export function rarely<T>(arbitrary: fc.Arbitrary<T>, odds: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: odds - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

/** `arbitrary`, but `undefined` once in `odds` draws. */
export function rarelyAbsent<T>(arbitrary: fc.Arbitrary<T>, odds: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: odds - 1, arbitrary });
}

/** Sets an own, enumerable property (even `__proto__`). */
export function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A value no JSON serialiser can take: a cycle, or a BigInt deep inside. */
export const unserialisable: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constant(null).map(() => {
    const schema: Record<string, unknown> = { type: "object", properties: {} };
    (schema.properties as Record<string, unknown>).self = schema;
    return schema;
  }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => ({ type: "object", properties: { n: { default: n } } })),
);
