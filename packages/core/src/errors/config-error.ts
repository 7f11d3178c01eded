import { FieldError } from "./field-error.ts";
import { brandError, hasErrorBrand } from "./understudy-error.ts";

/**
 * A configuration that cannot work, found by `createFallback` before any call.
 * `path` names the field (`models[1].timeout.idleMs`) and `fix` says what to
 * write instead.
 */
export class ConfigError extends FieldError {
  /** @inheritDoc */
  constructor(path: string, problem: string, fix: string) {
    super(path, problem, fix);
    this.name = "ConfigError";
    brandError(this, "ConfigError");
  }
}

/** True for a {@link ConfigError} from any copy of this package. */
export function isConfigError(value: unknown): value is ConfigError {
  return hasErrorBrand(value, "ConfigError");
}
