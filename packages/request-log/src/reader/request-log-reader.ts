import type { ModelErrorKind, ShadowSkipReason, SkipReason } from "@understudy/core";
import type { LoggedRequest } from "../records/request-log-batch.ts";
import type { RequestOutcome, RequestRecord } from "../records/request-record.ts";

/**
 * Which requests a question is about: a time window on their start, a chain,
 * tags. Every field narrows; none means all. Attempts and skips belong to the
 * window of their request.
 */
export interface LogQuery {
  /** Requests that started at or after this epoch ms. */
  readonly from?: number;
  /** Requests that started before this epoch ms. */
  readonly to?: number;
  /** Only this chain's requests (the recording's `chain`). */
  readonly chain?: string;
  /** Only requests carrying every one of these tags with these values. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** A question asked per time bucket. */
export interface BucketQuery extends LogQuery {
  /** The bucket's width in ms (e.g. 3 600 000 for hours); buckets start at multiples of it since the epoch (UTC). */
  readonly bucketMs: number;
}

/** A question whose answer is the first few requests of an order. */
export interface ListQuery extends LogQuery {
  /** How many. Default 20. */
  readonly limit?: number;
}

/** The totals of a window. */
export interface LogSummary {
  /** Requests. */
  readonly requests: number;
  /** Requests per outcome (outcomes with none are absent). */
  readonly outcomes: Readonly<Partial<Record<RequestOutcome, number>>>;
  /** Requests that fell back at least once (a call failed and the next model was tried). */
  readonly withFallback: number;
  /**
   * Successful requests a model other than the request's first answered: a
   * fallback, the first model skipped (breaker open, cooling down, …), or a
   * hedge the next model won.
   */
  readonly answeredByBackup: number;
  /** Calls, skips, retries, fallbacks and resets, over all requests. */
  readonly calls: number;
  /** Models passed over without a call. */
  readonly skips: number;
  /** Calls that repeated a call to the same model. */
  readonly retries: number;
  /** Moves from a failed model to the next. */
  readonly fallbacks: number;
  /** Stream restarts after content was shown. */
  readonly resets: number;
  /** Requests that started a hedge: called the next model beside a slow one that had not delivered after its hedge delay. */
  readonly hedged: number;
  /** Hedges started, over all requests (a request may start more than one with `hedging.maxPerRequest`). */
  readonly hedges: number;
  /**
   * Hedges the call started beside the slow one won: it delivered first. The
   * slow calls they aborted cost tokens all the same, counted in `costWasted`.
   */
  readonly hedgesWon: number;
  /** Cost of the answers. */
  readonly costAnswer: number;
  /** Cost of failed and cancelled calls. */
  readonly costWasted: number;
  /** Requests whose cost is incomplete (a model without a price used tokens). */
  readonly costIncomplete: number;
  /** Successful requests' duration, nearest-rank percentiles (undefined with none). */
  readonly durationP50Ms: number | undefined;
  /** See `durationP50Ms`. */
  readonly durationP95Ms: number | undefined;
  /**
   * Requests the log itself lost in the window (buffer full, failed writes):
   * the figures above undercount by this much. Filtered by time and chain, not by tag.
   */
  readonly dropped: number;
}

/** Requests of one bucket that ended one way with one model. */
export interface RequestBucket {
  /** Epoch ms of the bucket's start. */
  readonly bucketStart: number;
  /** How they ended. */
  readonly outcome: RequestOutcome;
  /** The model that answered; `null` for requests no model answered. */
  readonly model: string | null;
  /** How many. */
  readonly requests: number;
}

/** How often one model's failures of one kind moved requests on to the next model. */
export interface FallbackRate {
  /** The model that failed. */
  readonly model: string;
  /** The failure kind. */
  readonly reason: ModelErrorKind;
  /** Requests that left the model for this reason. */
  readonly fallbacks: number;
  /** Requests that called the model at all. */
  readonly requests: number;
  /** `fallbacks / requests`. */
  readonly rate: number;
}

/** Skips of one model for one reason in one bucket. */
export interface SkipBucket {
  /** Epoch ms of the bucket's start (by the skip's own time). */
  readonly bucketStart: number;
  /** The model passed over. */
  readonly model: string;
  /** Why. */
  readonly reason: SkipReason;
  /** How many. */
  readonly skips: number;
}

/**
 * A stretch of time in which requests found a model unavailable — its breaker
 * open, cooling down, isolated or probing — as seen by the skips it caused:
 * skips of one model no more than `gapMs` apart make one period.
 */
export interface UnavailablePeriod {
  /** The model. */
  readonly model: string;
  /** Epoch ms of the period's first skip. */
  readonly from: number;
  /** Epoch ms of its last skip. */
  readonly to: number;
  /** Skips in it. */
  readonly skips: number;
  /** The reasons seen, in order of first appearance. */
  readonly reasons: readonly SkipReason[];
}

/** A model's speed when it answered. */
export interface ModelLatency {
  /** The model. */
  readonly model: string;
  /** Its successful calls. */
  readonly calls: number;
  /** Their duration, nearest-rank 50th percentile, ms. */
  readonly p50Ms: number;
  /** 95th percentile, ms. */
  readonly p95Ms: number;
  /** Successful streamed calls with a first token. */
  readonly firstTokenCalls: number;
  /** Their time to first token, 50th percentile, ms (undefined with none). */
  readonly firstTokenP50Ms: number | undefined;
  /** 95th percentile, ms. */
  readonly firstTokenP95Ms: number | undefined;
}

/** Tokens and cost of one model's calls of one side (answers, or waste). */
export interface SpendTotals {
  /** Calls. */
  readonly calls: number;
  /** Uncached input tokens. */
  readonly inputTokens: number;
  /** Cached input tokens read. */
  readonly cachedInputTokens: number;
  /** Input tokens written to the cache. */
  readonly cacheWriteTokens: number;
  /** Output tokens. */
  readonly outputTokens: number;
  /** Cost, in the unit of the prices. */
  readonly cost: number;
  /** Calls that used tokens but had no price: `cost` is low by theirs. */
  readonly unpricedCalls: number;
}

/** A model's spend: its answers apart from its waste (failed and cancelled calls). */
export interface ModelSpend {
  /** The model. */
  readonly model: string;
  /** Its successful calls. */
  readonly answered: SpendTotals;
  /** Its failed and cancelled calls. */
  readonly wasted: SpendTotals;
}

/** The first and last request of a window. */
export interface TimeSpan {
  /** Epoch ms of the first request's start. */
  readonly from: number;
  /** Epoch ms of the last request's start. */
  readonly to: number;
}

/** A tag value and how many requests carry it. */
export interface TagCount {
  /** The tag's key. */
  readonly key: string;
  /** Its value. */
  readonly value: string;
  /** Requests carrying it. */
  readonly requests: number;
}

/** One model's answer in an {@link AnswerComparison}. */
export interface ComparedAnswer {
  /** The chain id of the model that answered. */
  readonly model: string;
  /** Its place in its request's `models` (0: the request's first choice). */
  readonly position: number;
  /** The request it answered. */
  readonly requestId: string;
  /** Epoch ms the request started. */
  readonly startedAt: number;
  /** The request's tags. */
  readonly tags: Readonly<Record<string, string>>;
  /** The captured answer (redacted, bounded). */
  readonly answer: string;
}

/**
 * One captured prompt that more than one model answered: what the primary and
 * the backups said to the same question, side by side.
 */
export interface AnswerComparison {
  /** The captured prompt (redacted, bounded). */
  readonly prompt: string;
  /** Epoch ms of the latest answer. */
  readonly lastAt: number;
  /** Each model's latest answer, by `position`, then model. */
  readonly answers: readonly ComparedAnswer[];
}

/**
 * What one shadow model did with the requests sampled for it (`shadow`
 * sampling): live drift between it and the models that answered. Shadow
 * calls belong to their request's window (and chain and tags).
 */
export interface ShadowSummary {
  /** The shadow model's chain id. */
  readonly model: string;
  /** Sampled requests: `answered + failed` plus the skipped ones. */
  readonly sampled: number;
  /** Shadow calls that answered. */
  readonly answered: number;
  /** Shadow calls that failed (an error, the shadow's timeout, or the chain's close). */
  readonly failed: number;
  /** Samples with no call, per reason (reasons with none are absent). */
  readonly skipped: Readonly<Partial<Record<ShadowSkipReason, number>>>;
  /** Answered shadow calls whose answer failed one of the shadow's answer checks. */
  readonly shadowChecksFailed: number;
  /** Answered shadow calls whose request's real answer failed one of the same checks. */
  readonly realChecksFailed: number;
  /** What the shadow calls cost (priced ones only), in the unit of the prices. */
  readonly cost: number;
}

/**
 * The questions a report asks of a request log, whatever stores it. Every
 * answer is ordered (by bucket, then model and reason; lists by their own
 * order), so two readers of the same data answer alike.
 */
export interface RequestLogReader {
  /** Totals of the window. */
  summary(query?: LogQuery): Promise<LogSummary>;
  /** Requests per bucket, outcome and answering model. */
  requestsOverTime(query: BucketQuery): Promise<RequestBucket[]>;
  /** Fallbacks per model and reason, with each model's rate. */
  fallbackRates(query?: LogQuery): Promise<FallbackRate[]>;
  /** Skips per bucket, model and reason. */
  skipsOverTime(query: BucketQuery): Promise<SkipBucket[]>;
  /** Periods in which a model was unavailable (breaker open, cooling down, isolated, probing), by its skips. */
  unavailablePeriods(query?: LogQuery & { readonly gapMs?: number }): Promise<UnavailablePeriod[]>;
  /** Duration and time to first token of each model's answers. */
  latencyByModel(query?: LogQuery): Promise<ModelLatency[]>;
  /** Tokens and cost per model, answered apart from wasted. */
  spendByModel(query?: LogQuery): Promise<ModelSpend[]>;
  /** The slowest requests, slowest first (any outcome). */
  slowest(query?: ListQuery): Promise<RequestRecord[]>;
  /** The requests that did not succeed, latest first. */
  failed(query?: ListQuery): Promise<RequestRecord[]>;
  /** The first and last request's start; undefined when the window has none. */
  timeSpan(query?: LogQuery): Promise<TimeSpan | undefined>;
  /** The tag values on most requests, most first (then key, value). */
  topTags(query?: ListQuery): Promise<TagCount[]>;
  /**
   * Captured prompts answered by two or more models (successful requests with
   * prompt and answer captured, identical prompt text), latest first, each
   * with every model's latest answer. `limit` counts prompts.
   */
  answerComparisons(query?: ListQuery): Promise<AnswerComparison[]>;
  /** Shadow sampling per shadow model, by model. */
  shadowSummary(query?: LogQuery): Promise<ShadowSummary[]>;
  /** One request with its attempts, or undefined. */
  request(requestId: string): Promise<LoggedRequest | undefined>;
  /** Releases the connection. */
  close(): Promise<void>;
}
