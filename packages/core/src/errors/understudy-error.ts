/**
 * The root of every error understudy throws: `ModelError`, `ConfigError`,
 * `RequestError`, `FallbackExhaustedError`, `StreamInterruptedError`. Tell
 * "understudy said no" from anything else with {@link isUnderstudyError}.
 *
 * Errors are recognised by symbols registered globally, not by `instanceof`
 * alone: an error made by one copy of this package (two bundles, two versions
 * in one `node_modules`) is recognised by another.
 */
export abstract class UnderstudyError extends Error {
  /**
   * @param message - for people
   * @param options - the underlying `cause`, if any
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    brandError(this, rootBrand);
  }
}

const rootBrand = "UnderstudyError";

/** True for any error understudy threw, from any copy of this package. */
export function isUnderstudyError(value: unknown): value is UnderstudyError {
  return hasErrorBrand(value, rootBrand);
}

/** Marks `error` as carrying `brand` (its class's name). */
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
