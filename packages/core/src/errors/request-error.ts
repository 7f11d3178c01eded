import { FieldError } from "./field-error.ts";
import { brandError, hasErrorBrand } from "./understudy-error.ts";

/**
 * A request that no model could accept (an empty conversation, a tool result
 * without its call, a negative `maxTokens`, …), refused before any call.
 * `path` names the field (`request.messages[2].content`).
 */
export class RequestError extends FieldError {
  /** @inheritDoc */
  constructor(path: string, problem: string, fix: string) {
    super(path, problem, fix);
    this.name = "RequestError";
    brandError(this, "RequestError");
  }
}

/** True for a {@link RequestError} from any copy of this package. */
export function isRequestError(value: unknown): value is RequestError {
  return hasErrorBrand(value, "RequestError");
}
