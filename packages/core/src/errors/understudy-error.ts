/**
 * Errors are recognised by a symbol registered globally, so that an error made
 * by one copy of this package is recognised by another (`instanceof` fails
 * across copies: two bundles, two versions in one `node_modules`).
 */

/** Marks `error` as carrying `brand`. */
export function brandError(error: Error, brand: string): void {
  Object.defineProperty(error, Symbol.for(`@understudy/core/${brand}`), { value: true });
}

/** True when `value` was marked with `brand` by any copy of this package. */
export function hasErrorBrand(value: unknown, brand: string): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[Symbol.for(`@understudy/core/${brand}`)] === true
  );
}
