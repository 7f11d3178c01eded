import type { AttemptRecord } from "../engine/attempt-record.ts";
import type { ModelHealthSnapshot } from "../health/model-health.ts";
import type { ModelError, ModelErrorKind } from "./model-error.ts";
import { brandError, hasErrorBrand, UnderstudyError } from "./understudy-error.ts";

/**
 * Why no model answered:
 * `all_failed` — every model that was tried failed;
 * `deadline` — the request's `deadlineMs` ran out;
 * `all_unavailable` — every model was open or cooling down (`whenAllUnavailable: "fail"`);
 * `none_fit` — no model could take the request (capabilities, context window, full bulkheads).
 */
export type ExhaustedReason = "all_failed" | "deadline" | "all_unavailable" | "none_fit";

/** What {@link FallbackExhaustedError} is built from. */
export interface FallbackExhaustedInit {
  /** Why no model answered. */
  readonly reason: ExhaustedReason;
  /** The request's id, as in its events. */
  readonly requestId: string;
  /** Every attempt and skip, in order. */
  readonly attempts: readonly AttemptRecord[];
  /** The failures of the attempts, in order. */
  readonly errors: readonly ModelError[];
  /** Each model's health when the request gave up. */
  readonly models: readonly ModelHealthSnapshot[];
}

/**
 * Each kind's rank in what a person can act on first: a bad key before an
 * outage. A record, so that a new kind cannot be left out of it.
 */
const relevance: Readonly<Record<ModelErrorKind, number>> = {
  auth: 0,
  quota: 1,
  context_length: 2,
  content_filter: 3,
  invalid_request: 4,
  bad_answer: 5,
  rate_limit: 6,
  overloaded: 7,
  server: 8,
  stream_broken: 9,
  timeout: 10,
  connection: 11,
  unsupported: 12,
  aborted: 13,
};

/**
 * No model of the chain answered. Lists every attempt and skip, every
 * model's health, and keeps the most actionable failure as `cause`.
 */
export class FallbackExhaustedError extends UnderstudyError {
  /** Why no model answered. */
  readonly reason: ExhaustedReason;
  /** The request's id. */
  readonly requestId: string;
  /** Every call and skip, in order. */
  readonly attempts: readonly AttemptRecord[];
  /** Every failure, in order. */
  readonly errors: readonly ModelError[];
  /** Each model's health when the request gave up. */
  readonly models: readonly ModelHealthSnapshot[];

  /**
   * Made by the engine, not by users.
   *
   * @param init - the request's history
   * @internal
   */
  constructor(init: FallbackExhaustedInit) {
    const cause = mostRelevant(init.errors);
    super(summarise(init, cause), cause === undefined ? undefined : { cause });
    this.name = "FallbackExhaustedError";
    this.reason = init.reason;
    this.requestId = init.requestId;
    this.attempts = init.attempts;
    this.errors = init.errors;
    this.models = init.models;
    brandError(this, "FallbackExhaustedError");
  }
}

/** True for a {@link FallbackExhaustedError} from any copy of this package. */
export function isFallbackExhaustedError(value: unknown): value is FallbackExhaustedError {
  return hasErrorBrand(value, "FallbackExhaustedError");
}

function mostRelevant(errors: readonly ModelError[]): ModelError | undefined {
  let best: ModelError | undefined;
  for (const error of errors) {
    if (!best || relevance[error.kind] <= relevance[best.kind]) best = error;
  }
  return best;
}

function summarise(init: FallbackExhaustedInit, cause: ModelError | undefined): string {
  const headline: Record<ExhaustedReason, string> = {
    all_failed: "every model failed",
    deadline: "the request's deadline ran out",
    all_unavailable: "every model is unavailable",
    none_fit: "no model can take this request",
  };
  const lines = init.attempts.map((a) =>
    a.outcome === "skipped"
      ? `  ${a.model}: skipped (${a.skipReason})${a.message ? `: ${a.message}` : ""}`
      : `  ${a.model} #${a.attempt}: ${a.outcome}${a.kind ? ` ${a.kind}` : ""}${a.status ? ` ${a.status}` : ""}${a.message ? `: ${a.message}` : ""}`,
  );
  // The failure a person can act on comes first: a bad key before an outage it would hide.
  const lead = cause && cause.kind !== "aborted" ? `; most actionable: ${cause.kind} (${cause.message})` : "";
  return [`${headline[init.reason]}${lead} (request ${init.requestId})`, ...lines].join("\n");
}
