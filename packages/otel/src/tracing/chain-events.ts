import type { Attributes } from "@opentelemetry/api";
import type {
  BreakerEvent,
  FallbackEvent,
  HedgeEndEvent,
  HedgeStartEvent,
  ResetPart,
  RetryEvent,
  SkipEvent,
} from "@understudy/core";
import { understudyAttr } from "../conventions/understudy-attributes.ts";

/** `understudy.retry`: the same model is about to be called again. */
export function retryEventAttributes(event: RetryEvent): Attributes {
  return {
    [understudyAttr.model]: event.model,
    [understudyAttr.attempt]: event.attempt,
    [understudyAttr.reason]: event.reason,
    [understudyAttr.retryDelayMs]: Math.round(event.delayMs),
    ...(event.retryAfterMs === undefined ? {} : { [understudyAttr.retryAfterMs]: event.retryAfterMs }),
  };
}

/** `understudy.fallback`: the request moved from a failed model to the next. */
export function fallbackEventAttributes(event: FallbackEvent): Attributes {
  return {
    [understudyAttr.fallbackFrom]: event.from,
    [understudyAttr.fallbackTo]: event.to,
    [understudyAttr.reason]: event.reason,
  };
}

/** `understudy.skip`: a model was passed over without a call. */
export function skipEventAttributes(event: SkipEvent): Attributes {
  return {
    [understudyAttr.model]: event.model,
    [understudyAttr.reason]: event.reason,
    ...(event.until === undefined ? {} : { [understudyAttr.skipUntil]: event.until }),
    ...(event.message === undefined ? {} : { [understudyAttr.skipMessage]: event.message }),
  };
}

/** `understudy.reset`: a stream's answer was cut after content and restarts; the caller was told to discard it. */
export function resetEventAttributes(part: ResetPart): Attributes {
  return { [understudyAttr.model]: part.model, [understudyAttr.reason]: part.reason };
}

/** `understudy.breaker.*`: this request's outcome moved a model's breaker. */
export function breakerEventAttributes(event: BreakerEvent): Attributes {
  return {
    [understudyAttr.model]: event.model,
    ...(event.reason === undefined ? {} : { [understudyAttr.reason]: event.reason }),
    ...(event.reopenAt === undefined ? {} : { [understudyAttr.breakerReopenAt]: event.reopenAt }),
  };
}

/** `understudy.hedge.start`: `to` was called beside `from`, which had not delivered after `after_ms`. */
export function hedgeStartEventAttributes(event: HedgeStartEvent): Attributes {
  return {
    [understudyAttr.hedgeFrom]: event.from,
    [understudyAttr.hedgeTo]: event.to,
    [understudyAttr.hedgeAfterMs]: Math.round(event.afterMs),
  };
}

/** `understudy.hedge.end`: the hedge's race was decided; `understudy.hedge.winner` is absent when neither call delivered. */
export function hedgeEndEventAttributes(event: HedgeEndEvent): Attributes {
  return {
    [understudyAttr.hedgeFrom]: event.from,
    [understudyAttr.hedgeTo]: event.to,
    ...(event.winner === undefined ? {} : { [understudyAttr.hedgeWinner]: event.winner }),
  };
}

/** One switch, as the chain span lists it: `from -> to: reason`. */
export function describeFallback(event: FallbackEvent): string {
  return `${event.from} -> ${event.to}: ${event.reason}`;
}

/** One skip, as the chain span lists it: `model: reason`. */
export function describeSkip(event: SkipEvent): string {
  return `${event.model}: ${event.reason}`;
}
