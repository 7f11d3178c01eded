import type {
  AnswerComparison,
  FallbackRate,
  LogQuery,
  LogSummary,
  ModelLatency,
  ModelSpend,
  RequestBucket,
  ShadowSummary,
  SkipBucket,
  TimeSpan,
  UnavailablePeriod,
} from "../reader/request-log-reader.ts";
import type { RequestRecord } from "../records/request-record.ts";

/**
 * A request as a report lists it: its row without the captured prompt and
 * answer (those appear only in {@link AnswerComparison}s), its error message
 * bounded.
 */
export type ReportedRequest = Omit<RequestRecord, "prompt" | "answer">;

/** A window of time the page offers as a filter: the whole log, or its last hour, day, … */
export interface ReportWindow {
  /** Stable id, used in {@link ReportData.views}' keys: `all`, `1h`, `24h`, `7d`, `30d`. */
  readonly id: string;
  /** What the page shows: "whole log", "last hour", … */
  readonly label: string;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  /** The width of the window's time buckets, ms (a round width giving at most 60). */
  readonly bucketMs: number;
}

/** A tag value the page offers as a filter, with how many requests carry it. */
export interface ReportTag {
  /** The tag's key. */
  readonly key: string;
  /** Its value. */
  readonly value: string;
  /** Requests carrying it in the report's whole window. */
  readonly requests: number;
}

/** Everything the page shows for one window and one tag filter. */
export interface ReportView {
  /** Totals. */
  readonly summary: LogSummary;
  /** Requests per bucket, outcome and answering model (the window's `bucketMs`). */
  readonly requestsOverTime: readonly RequestBucket[];
  /** Skips per bucket, model and reason. */
  readonly skipsOverTime: readonly SkipBucket[];
  /** Periods a model was unavailable (breaker open, cooling down, …), by its skips. */
  readonly unavailablePeriods: readonly UnavailablePeriod[];
  /** Fallbacks per model and reason, with rates. */
  readonly fallbackRates: readonly FallbackRate[];
  /** Each model's answer latency and time to first token. */
  readonly latency: readonly ModelLatency[];
  /** Tokens and cost per model, answered apart from wasted. */
  readonly spend: readonly ModelSpend[];
  /** The slowest requests, slowest first. */
  readonly slowest: readonly ReportedRequest[];
  /** The latest requests that did not succeed. */
  readonly failed: readonly ReportedRequest[];
  /** Shadow calls per shadow model (a chain's `shadow` option): live drift of a backup, apart from the requests. */
  readonly shadows: readonly ShadowSummary[];
}

/** One check's results over a model's answers in an {@link EvalSection}. */
export interface EvalCheckResult {
  /** The check's name (`json-schema`, `tool-call:get_weather`, `contains:Paris`, `agrees-with-primary`, `judge`, …). */
  readonly check: string;
  /** Answers that passed it. */
  readonly passed: number;
  /** Answers it ran on. */
  readonly total: number;
}

/** One model of the chain, run on its own over the prompt set. */
export interface EvalModelResult {
  /** The chain id. */
  readonly model: string;
  /** Its place in the chain (0: the primary). */
  readonly position: number;
  /** Prompts whose answer passed every check, over the prompts run. */
  readonly passRate: number;
  /** Prompts whose answer passed every check. */
  readonly passed: number;
  /** Prompts answered that failed a check. */
  readonly failed: number;
  /** Prompts the model did not answer (its calls failed). */
  readonly errors: number;
  /** Answers that refused (a `content_filter` finish, or a refusal's wording). */
  readonly refusals: number;
  /** Per check. */
  readonly checks: readonly EvalCheckResult[];
  /** Answer duration, nearest-rank 50th percentile, ms. */
  readonly latencyP50Ms?: number;
  /** 95th percentile. */
  readonly latencyP95Ms?: number;
  /** Time to first token, 50th percentile, ms. */
  readonly firstTokenP50Ms?: number;
  /** 95th percentile. */
  readonly firstTokenP95Ms?: number;
  /** Input tokens of every call. */
  readonly inputTokens: number;
  /** Output tokens of every call. */
  readonly outputTokens: number;
  /** What the calls cost, in the unit of the model's price. */
  readonly cost: number;
  /** False when the model has no price: `cost` leaves its calls out. */
  readonly costComplete: boolean;
  /** The pass rate it must reach, when the suite sets one. */
  readonly threshold?: number;
  /** Whether it fell below `threshold` (the command exits non-zero). */
  readonly belowThreshold: boolean;
}

/** A check an answer failed, and why. */
export interface FailedCheck {
  /** The check's name. */
  readonly check: string;
  /** Why it failed (`answer is not JSON: …`, `no call of get_weather`, …). */
  readonly reason: string;
}

/** A prompt the primary passed and a backup failed: the drift to fix before the next outage. */
export interface EvalRegression {
  /** The prompt's id in the set. */
  readonly promptId: string;
  /** The backup that failed it. */
  readonly model: string;
  /** The checks it failed, each with why. */
  readonly failedChecks: readonly FailedCheck[];
  /** The prompt's text (bounded). */
  readonly prompt: string;
  /** What the primary answered (bounded). */
  readonly primaryAnswer: string;
  /** What the backup answered (bounded; empty when it did not answer). */
  readonly answer: string;
}

/** What `understudy eval` adds to a report: each model of a chain run on its own over a prompt set. */
export interface EvalSection {
  /** The suite's name. */
  readonly name: string;
  /** Epoch ms the run finished. */
  readonly ranAt: number;
  /** Prompts in the set. */
  readonly prompts: number;
  /** Each model's results, in the chain's order. */
  readonly models: readonly EvalModelResult[];
  /** Prompts a backup failed that the primary passed. */
  readonly regressions: readonly EvalRegression[];
}

/** What `understudy report` reads out of a log and the page renders: aggregates, never every row. */
export interface ReportData {
  /** The report's format version; the page refuses another. */
  readonly version: 1;
  /** Epoch ms the report was made. */
  readonly generatedAt: number;
  /** Where the log came from: a file name, or a postgres database (its password removed). */
  readonly source: string;
  /** The filters the report was made with (`--from`, `--to`, `--chain`, `--tag`). */
  readonly filters: LogQuery;
  /** Epoch ms of the first and last request in the filtered log; undefined when it is empty. */
  readonly span: TimeSpan | undefined;
  /** The time windows the page offers; the first is the whole log. */
  readonly windows: readonly ReportWindow[];
  /** The tag values the page offers (the most used, at most `--tags` of them). */
  readonly tags: readonly ReportTag[];
  /**
   * The views, keyed `${window.id}` for all tags and `${window.id}|${index into tags}`
   * for one tag value: every window with every tag choice.
   */
  readonly views: Readonly<Record<string, ReportView>>;
  /**
   * Captured prompts answered by several models (empty when nothing was
   * captured); an answer whose `position` is above 0 came from a backup.
   */
  readonly comparisons: readonly AnswerComparison[];
  /**
   * An eval of the chain's fallback paths (`understudy eval --report`), shown
   * as the page's first section; absent from a report of a log alone.
   */
  readonly eval?: EvalSection;
}

/** The key of a view in {@link ReportData.views}. */
export function viewKey(windowId: string, tagIndex?: number): string {
  return tagIndex === undefined ? windowId : `${windowId}|${tagIndex}`;
}
