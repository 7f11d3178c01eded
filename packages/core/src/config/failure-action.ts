import type { ModelErrorKind } from "../errors/model-error.ts";

/**
 * What the engine does with a failure:
 * `retry` the same model (while attempts remain, then fall over),
 * `fallback` to the next model at once, or
 * `surface` the error to the caller, trying nothing else.
 */
export type FailureAction = "retry" | "fallback" | "surface";

/** The actions the engine accepts in configuration. */
export const failureActions: readonly FailureAction[] = ["retry", "fallback", "surface"];

/**
 * The default action of each failure kind. `rate_limit` retries only when
 * the provider's Retry-After is within `retry.maxRetryAfterMs`; a longer one
 * cools the model down and falls over. `aborted` always surfaces and cannot
 * be overridden.
 */
export const defaultFailureActions: Readonly<Record<ModelErrorKind, FailureAction>> = Object.freeze({
  rate_limit: "retry",
  quota: "fallback",
  overloaded: "retry",
  server: "retry",
  timeout: "fallback",
  connection: "retry",
  stream_broken: "fallback",
  bad_answer: "fallback",
  context_length: "fallback",
  content_filter: "surface",
  auth: "fallback",
  invalid_request: "surface",
  unsupported: "fallback",
  aborted: "surface",
});

/** A partial table of actions by kind, as written in configuration. */
export type FailureActionOverrides = Partial<Record<ModelErrorKind, FailureAction>>;
