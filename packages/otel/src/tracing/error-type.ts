import type { Attributes } from "@opentelemetry/api";
import { isFallbackExhaustedError, isModelError, isStreamInterruptedError } from "@understudy/core";
import { generalAttr } from "../conventions/gen-ai.ts";
import { understudyAttr } from "../conventions/understudy-attributes.ts";

/**
 * `error.type` (and understudy's detail) of the error a request failed
 * with, from a short, documented list: a `ModelError` gives its kind
 * (`invalid_request`, `content_filter`, `aborted`, …); `exhausted` when no
 * model answered (`understudy.exhausted.reason` says why);
 * `stream_interrupted` when a stream failed after content
 * (`understudy.error.kind` says how); `_OTHER` for anything else.
 */
export function requestErrorAttributes(error: unknown): Attributes {
  if (isFallbackExhaustedError(error)) {
    return { [generalAttr.errorType]: "exhausted", [understudyAttr.exhaustedReason]: error.reason };
  }
  if (isStreamInterruptedError(error)) {
    return { [generalAttr.errorType]: "stream_interrupted", [understudyAttr.errorKind]: error.kind };
  }
  if (isModelError(error)) return { [generalAttr.errorType]: error.kind };
  return { [generalAttr.errorType]: "_OTHER" };
}
