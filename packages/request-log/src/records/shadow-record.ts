import type { ModelErrorKind, ShadowSkipReason } from "@understudy/core";

/**
 * One row per sampled request of a chain with `shadow` sampling: what the
 * shadow model did with the request another model answered, kept apart from
 * the request's own row and attempts (a shadow call is no attempt).
 */
export interface ShadowRecord {
  /** The request the shadow call copied (its row is in `requests`). */
  readonly requestId: string;
  /** Epoch ms of the shadow call's start (of the decision, when skipped). */
  readonly at: number;
  /** The recording's chain name. */
  readonly chain: string;
  /** The shadow model's chain id. */
  readonly model: string;
  /** The chain id of the model that answered the caller. */
  readonly answeringModel: string;
  /** `answered`, `failed` or `skipped`. */
  readonly outcome: "answered" | "failed" | "skipped";
  /** With `skipped`: why. */
  readonly skipReason?: ShadowSkipReason;
  /** With `failed`: the failure kind. */
  readonly kind?: ModelErrorKind;
  /** With `failed`: the message, redacted and bounded. */
  readonly message?: string;
  /** Ms the call took (0 when skipped). */
  readonly durationMs: number;
  /** With `answered`: input tokens (uncached, cached and cache writes together). */
  readonly inputTokens?: number;
  /** With `answered`: output tokens. */
  readonly outputTokens?: number;
  /** With `answered` and a price on the shadow model: the call's cost. */
  readonly cost?: number;
  /** The name of the first answer check the shadow answer failed. */
  readonly failedCheck?: string;
  /** The name of the first of the same checks the real answer failed (shadow rows that were answered only). */
  readonly realFailedCheck?: string;
  /** The shadow answer (text, then its tool calls), redacted and bounded; only when answers are captured. */
  readonly answer?: string;
}
