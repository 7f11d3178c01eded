import type { FailureSource } from "./adapter-failure.ts";
import { redactSecrets } from "./redact-secrets.ts";

/** What a provider says of the answer it sent: its ids, and the model that actually answered. */
export interface AnswerIds {
  /** The provider's id of the response (`chatcmpl-…`, `msg_…`). */
  readonly responseId?: string;
  /** The provider's request id header. */
  readonly requestId?: string;
  /** The model the provider says answered (often a dated snapshot of the one asked for). */
  readonly responseModel?: string;
}

/**
 * The provider's ids of an answer and the model it names, each kept only when
 * it is a non-empty string, and redacted: a proxy may put a piece of the key
 * in any of them.
 */
export function answerIds(
  fields: { readonly responseId?: unknown; readonly responseModel?: unknown },
  requestId: string | null | undefined,
  source: FailureSource,
): AnswerIds {
  const clean = (value: unknown): string | undefined =>
    typeof value === "string" && value !== "" ? redactSecrets(value, source.secrets) : undefined;
  const responseId = clean(fields.responseId);
  const responseModel = clean(fields.responseModel);
  const request = clean(requestId);
  return {
    ...(responseId === undefined ? {} : { responseId }),
    ...(request === undefined ? {} : { requestId: request }),
    ...(responseModel === undefined ? {} : { responseModel }),
  };
}
