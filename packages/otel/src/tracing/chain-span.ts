import { type Attributes, type Context, type Span, SpanKind, type Tracer } from "@opentelemetry/api";
import type { FallbackResult, RequestStartEvent } from "@understudy/core";
import { understudyAttr } from "../conventions/understudy-attributes.ts";

/**
 * The chain span's name: `understudy {method}` (`understudy generate`,
 * `understudy stream`), with the chain's name after it when one was given
 * (`understudy generate support-answers`). It is not named like a GenAI
 * model call: it is the logical request around them, and backends that
 * count GenAI spans would count its tokens twice.
 */
export function chainSpanName(method: RequestStartEvent["method"], chainName: string | undefined): string {
  return chainName ? `understudy ${method} ${chainName}` : `understudy ${method}`;
}

/** Starts the span of one request, a child of `parent` (the app's context at the call). */
export function startChainSpan(tracer: Tracer, start: RequestStartEvent, parent: Context, chainName: string | undefined): Span {
  return tracer.startSpan(
    chainSpanName(start.method, chainName),
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        [understudyAttr.requestId]: start.requestId,
        [understudyAttr.method]: start.method,
        [understudyAttr.chainModels]: [...start.models],
        ...(chainName ? { [understudyAttr.chainName]: chainName } : {}),
      },
    },
    parent,
  );
}

/** A hedge of a request as the chain span tells it: who ran beside whom, and who delivered first. */
export interface HedgeTally {
  /** The slow model's chain id. */
  readonly from: string;
  /** The model started beside it. */
  readonly to: string;
  /** Whether its race was decided (`hedgeEnd`). */
  decided: boolean;
  /** The model that delivered first; absent until the race is decided, and when neither did. */
  winner?: string;
}

/** The story so far of a request, as its chain span reports it at the end. */
export interface ChainTally {
  /** Calls made (skips excluded). */
  readonly attempts: number;
  /** `from -> to: reason`, one per switch. */
  readonly fallbacks: readonly string[];
  /** `model: reason`, one per model passed over. */
  readonly skips: readonly string[];
  /** Restarts of a stream announced to the caller with a `reset` part. */
  readonly resets: number;
  /** The hedges started, in order. */
  readonly hedges: readonly HedgeTally[];
}

/** What every ending of a request reports: its counts and the story of its switches. */
export function tallyAttributes(tally: ChainTally): Attributes {
  return {
    [understudyAttr.attemptCount]: tally.attempts,
    [understudyAttr.fallbackCount]: tally.fallbacks.length,
    [understudyAttr.skipCount]: tally.skips.length,
    [understudyAttr.resetCount]: tally.resets,
    [understudyAttr.hedgeCount]: tally.hedges.length,
    [understudyAttr.hedgeWonCount]: tally.hedges.filter((hedge) => hedge.winner === hedge.to).length,
    ...(tally.fallbacks.length > 0 ? { [understudyAttr.fallbacks]: [...tally.fallbacks] } : {}),
    ...(tally.skips.length > 0 ? { [understudyAttr.skips]: [...tally.skips] } : {}),
    ...(tally.hedges.length > 0 ? { [understudyAttr.hedges]: tally.hedges.map(describeHedge) } : {}),
  };
}

/** One hedge, as the chain span lists it: `from -> to: won by winner`, or `from -> to: no winner`. */
export function describeHedge(hedge: HedgeTally): string {
  return `${hedge.from} -> ${hedge.to}: ${hedge.winner === undefined ? "no winner" : `won by ${hedge.winner}`}`;
}

/** Who answered and what it cost. */
export function answerAttributes(result: FallbackResult): Attributes {
  return {
    [understudyAttr.answerModel]: result.model,
    [understudyAttr.answerProvider]: result.provider,
    [understudyAttr.answerModelId]: result.modelId,
    [understudyAttr.costAnswer]: result.cost.answer,
    [understudyAttr.costWasted]: result.cost.wasted,
    [understudyAttr.costComplete]: result.cost.complete,
  };
}
