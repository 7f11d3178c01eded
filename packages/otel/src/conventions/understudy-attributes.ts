/**
 * understudy's own telemetry names, under the `understudy.` namespace: what
 * the GenAI conventions have no name for (which model answered a chain, why
 * it switched, what the waste cost). Each is listed in the package README.
 *
 * @module
 */

/** Attributes of the chain span, the attempt spans and the span events. */
export const understudyAttr = {
  requestId: "understudy.request.id",
  method: "understudy.method",
  chainName: "understudy.chain.name",
  chainId: "understudy.chain.id",
  chainModels: "understudy.chain.models",
  outcome: "understudy.outcome",
  answerModel: "understudy.answer.model",
  answerProvider: "understudy.answer.provider",
  answerModelId: "understudy.answer.model_id",
  attemptCount: "understudy.attempt_count",
  fallbackCount: "understudy.fallback_count",
  fallbacks: "understudy.fallbacks",
  skipCount: "understudy.skip_count",
  skips: "understudy.skips",
  resetCount: "understudy.reset_count",
  costAnswer: "understudy.cost.answer",
  costWasted: "understudy.cost.wasted",
  costComplete: "understudy.cost.complete",
  exhaustedReason: "understudy.exhausted.reason",
  errorKind: "understudy.error.kind",
  model: "understudy.model",
  provider: "understudy.provider",
  attempt: "understudy.attempt",
  probe: "understudy.probe",
  attemptOutcome: "understudy.attempt.outcome",
  waitedMs: "understudy.attempt.waited_ms",
  httpStatus: "understudy.http.status",
  usageEstimated: "understudy.usage.estimated",
  retryDelayMs: "understudy.retry.delay_ms",
  retryAfterMs: "understudy.retry.retry_after_ms",
  reason: "understudy.reason",
  fallbackFrom: "understudy.fallback.from",
  fallbackTo: "understudy.fallback.to",
  skipUntil: "understudy.skip.until",
  skipMessage: "understudy.skip.message",
  breakerReopenAt: "understudy.breaker.reopen_at",
  hedge: "understudy.hedge",
  hedgeLostTo: "understudy.hedge.lost_to",
  hedgeCount: "understudy.hedge_count",
  hedgeWonCount: "understudy.hedge_won_count",
  hedges: "understudy.hedges",
  hedgeFrom: "understudy.hedge.from",
  hedgeTo: "understudy.hedge.to",
  hedgeAfterMs: "understudy.hedge.after_ms",
  hedgeWinner: "understudy.hedge.winner",
} as const;

/** Span events on the chain span. */
export const understudyEvent = {
  retry: "understudy.retry",
  fallback: "understudy.fallback",
  skip: "understudy.skip",
  reset: "understudy.reset",
  breakerOpen: "understudy.breaker.open",
  breakerHalfOpen: "understudy.breaker.half_open",
  breakerClose: "understudy.breaker.close",
  hedgeStart: "understudy.hedge.start",
  hedgeEnd: "understudy.hedge.end",
} as const;

/** understudy's own metrics. */
export const understudyMetric = {
  fallbacks: { name: "understudy.fallbacks", unit: "{fallback}", description: "Switches from a failed model to the next." },
  skips: { name: "understudy.skips", unit: "{skip}", description: "Models passed over without a call." },
  breakerState: {
    name: "understudy.breaker.state",
    unit: "{state}",
    description: "Each model's breaker: 0 closed, 1 half-open, 2 open, 3 isolated (held open by hand).",
  },
  costAnswered: {
    name: "understudy.cost.answered",
    unit: "{cost}",
    description: "Cost of the answering calls, in the unit of the chain's prices (e.g. USD).",
  },
  costWasted: {
    name: "understudy.cost.wasted",
    unit: "{cost}",
    description: "Cost of failed and cancelled calls of answered requests, in the unit of the chain's prices.",
  },
} as const;

/** `understudy.breaker.state` values. */
export const breakerStateValue = { closed: 0, half_open: 1, open: 2, isolated: 3 } as const;
