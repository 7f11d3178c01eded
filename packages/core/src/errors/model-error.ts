import { brandError, hasErrorBrand, UnderstudyError } from "./understudy-error.ts";

/**
 * Every failure kind an adapter can report. The engine decides from the kind
 * alone whether to retry the same model, fall over to the next, or surface the
 * error to the caller; see {@link defaultFailureActions}.
 */
export const modelErrorKinds = [
  "rate_limit",
  "quota",
  "overloaded",
  "server",
  "timeout",
  "connection",
  "stream_broken",
  "bad_answer",
  "context_length",
  "content_filter",
  "auth",
  "invalid_request",
  "unsupported",
  "aborted",
] as const;

/** One failure kind of the taxonomy (see {@link modelErrorKinds}). */
export type ModelErrorKind = (typeof modelErrorKinds)[number];

/** Kinds that say something about a model's health and so count against its circuit breaker. */
const healthKinds: ReadonlySet<ModelErrorKind> = new Set([
  "rate_limit",
  "quota",
  "overloaded",
  "server",
  "timeout",
  "connection",
  "stream_broken",
]);

/**
 * True when a failure of this kind counts against a model's breaker. The
 * request's own faults (`invalid_request`, `context_length`, `content_filter`,
 * `unsupported`, `aborted`) never do, and neither does `auth`: a bad key is
 * not an outage, and it is reported loudly instead.
 */
export function countsAgainstHealth(kind: ModelErrorKind): boolean {
  return healthKinds.has(kind);
}

/** True when `value` names a failure kind. */
export function isModelErrorKind(value: unknown): value is ModelErrorKind {
  return typeof value === "string" && (modelErrorKinds as readonly string[]).includes(value);
}

/** What an adapter knows about a failure when it builds a {@link ModelError}. */
export interface ModelErrorInit {
  /** The failure kind. */
  readonly kind: ModelErrorKind;
  /** A message for people; never contains an API key. */
  readonly message: string;
  /** The provider (`openai`, `anthropic`, …). */
  readonly provider?: string;
  /** The model id as the provider knows it. */
  readonly model?: string;
  /** The HTTP status, when the failure came with one (mid-stream errors do not). */
  readonly status?: number;
  /** The provider's request id header, for support tickets. */
  readonly requestId?: string;
  /** How long the provider asked us to wait before the next call, in ms. */
  readonly retryAfterMs?: number;
  /** The provider's own error type or code (`overloaded_error`, `insufficient_quota`, …). */
  readonly providerCode?: string;
  /** The provider's own message, as sent. */
  readonly providerMessage?: string;
  /** The underlying error (an SDK error, a socket error, …). */
  readonly cause?: unknown;
}

/**
 * One model's failure, classified into the taxonomy. Adapters throw it; the
 * engine decides what to do from `kind`.
 *
 * Recognise it with {@link isModelError} rather than `instanceof` alone: an
 * application may load two copies of this package.
 *
 * @example
 * ```ts
 * throw new ModelError({ kind: "overloaded", status: 529, message: "Overloaded", provider: "anthropic" });
 * ```
 */
export class ModelError extends UnderstudyError {
  /** The failure kind. */
  readonly kind: ModelErrorKind;
  /** The provider (`openai`, `anthropic`, …), when known. */
  readonly provider: string | undefined;
  /** The provider's model id, when known. */
  readonly model: string | undefined;
  /** The HTTP status, when there was one. */
  readonly status: number | undefined;
  /** The provider's request id header, when there was one. */
  readonly requestId: string | undefined;
  /** How long the provider asked us to wait, in ms, when it said. */
  readonly retryAfterMs: number | undefined;
  /** The provider's error type or code, when it sent one. */
  readonly providerCode: string | undefined;
  /** The provider's own message, when it sent one. */
  readonly providerMessage: string | undefined;

  /** Builds the error; see {@link ModelErrorInit} for the fields. */
  constructor(init: ModelErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "ModelError";
    this.kind = init.kind;
    this.provider = init.provider;
    this.model = init.model;
    this.status = init.status;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
    this.providerCode = init.providerCode;
    this.providerMessage = init.providerMessage;
    brandError(this, "ModelError");
  }
}

/** True for a {@link ModelError} from any copy of this package. */
export function isModelError(value: unknown): value is ModelError {
  return hasErrorBrand(value, "ModelError");
}
