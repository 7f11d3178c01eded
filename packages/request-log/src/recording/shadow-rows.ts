import type { ShadowEvent } from "@understudy/core";
import type { ShadowRecord } from "../records/shadow-record.ts";
import { answerText, type CaptureOptions, cleanText } from "./capture.ts";

/** Longest shadow failure message kept, in characters. */
const maxMessageChars = 2_000;

/** A `shadow` event as the log buffers it: its answer only when captured. */
export interface ShadowSeen {
  /** The event, its answer removed unless captured. */
  readonly event: ShadowEvent;
  /** The recording's chain name. */
  readonly chain: string;
}

/** The event without the shadow answer, which the buffer must not hold when answers are not captured. */
export function withoutShadowAnswer(event: ShadowEvent): ShadowEvent {
  if (event.answer === undefined) return event;
  const { answer: _dropped, ...rest } = event;
  return rest;
}

/** Turns a buffered `shadow` event into its row. */
export function toShadowRecord({ event, chain }: ShadowSeen, capture: CaptureOptions | undefined): ShadowRecord {
  const usage = event.usage;
  return {
    requestId: event.requestId,
    at: event.startedAt,
    chain,
    model: event.model,
    answeringModel: event.answeringModel,
    outcome: event.outcome,
    ...(event.skipReason === undefined ? {} : { skipReason: event.skipReason }),
    ...(event.kind === undefined ? {} : { kind: event.kind }),
    ...(event.message === undefined ? {} : { message: cleanText(event.message, { ...capture, maxChars: maxMessageChars }) }),
    durationMs: event.durationMs,
    ...(usage
      ? { inputTokens: usage.inputTokens + usage.cachedInputTokens + usage.cacheWriteTokens, outputTokens: usage.outputTokens }
      : {}),
    ...(event.cost === undefined ? {} : { cost: event.cost }),
    ...(event.failedCheck ? { failedCheck: event.failedCheck.check } : {}),
    ...(event.realFailedCheck ? { realFailedCheck: event.realFailedCheck.check } : {}),
    ...(event.answer ? { answer: cleanText(answerText(event.answer), capture) } : {}),
  };
}
