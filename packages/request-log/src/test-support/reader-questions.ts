import type { LogQuery, RequestLogReader } from "../reader/request-log-reader.ts";

/** Every question a reader answers, for one query: what the agreement properties ask each reader. */
export function readerQuestions(
  query: LogQuery,
  bucketMs: number,
  limit: number,
): ((reader: RequestLogReader) => Promise<unknown>)[] {
  return [
    (r) => r.summary(query),
    (r) => r.requestsOverTime({ ...query, bucketMs }),
    (r) => r.fallbackRates(query),
    (r) => r.skipsOverTime({ ...query, bucketMs }),
    (r) => r.unavailablePeriods({ ...query, gapMs: bucketMs / 10 }),
    (r) => r.latencyByModel(query),
    (r) => r.spendByModel(query),
    (r) => r.slowest({ ...query, limit }),
    (r) => r.failed({ ...query, limit }),
    (r) => r.timeSpan(query),
    (r) => r.topTags({ ...query, limit }),
    (r) => r.answerComparisons({ ...query, limit }),
    (r) => r.shadowSummary(query),
  ];
}
