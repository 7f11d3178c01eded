import type { ListQuery, LogQuery, RequestLogReader } from "../reader/request-log-reader.ts";
import type { RequestRecord } from "../records/request-record.ts";
import type { ReportData, ReportedRequest, ReportTag, ReportView, ReportWindow } from "./report-data.ts";
import { viewKey } from "./report-data.ts";
import { reportWindows, wholeLog } from "./report-windows.ts";

/** Options of {@link buildReport}. */
export interface BuildReportOptions {
  /** What the page names as the log's source (a file name; a database URL without its password). */
  readonly source: string;
  /** Only requests that started at or after this epoch ms. */
  readonly from?: number;
  /** Only requests that started before this epoch ms. */
  readonly to?: number;
  /** Only this chain's requests. */
  readonly chain?: string;
  /** Only requests carrying all these tags. */
  readonly tags?: Readonly<Record<string, string>>;
  /** How many tag values the page offers as filters (the most used). Default 8. */
  readonly tagChoices?: number;
  /** Rows in the slowest and failed lists. Default 20. */
  readonly limit?: number;
  /** Prompts in the side-by-side of answers. Default 20. */
  readonly comparisons?: number;
  /** The clock that dates the report. Default `Date.now`. */
  readonly now?: () => number;
  /** Told after each view is read: `done` of `total`. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Longest error message a listed request keeps: enough to recognise it, not a dumped body. */
const maxMessageChars = 300;

/**
 * Reads what a report shows out of a request log: for each time window the
 * page offers, with all tags and with each of the most used tag values, the
 * totals, the series over time and the lists — aggregates, never every row,
 * so the page stays small whatever the log's size.
 *
 * @param reader - the log (SQLite, PostgreSQL, or any {@link RequestLogReader})
 * @param options - filters, list sizes and progress
 */
export async function buildReport(reader: RequestLogReader, options: BuildReportOptions): Promise<ReportData> {
  const now = options.now ?? Date.now;
  const filter = filterOf(options);
  const span = await reader.timeSpan(filter);
  const windows = span ? reportWindows(span) : [];
  const tags = span ? await tagChoices(reader, filter, options.tagChoices ?? 8) : [];
  const choices: (number | undefined)[] = [undefined, ...tags.map((_, index) => index)];
  const views: Record<string, ReportView> = {};
  const total = windows.length * choices.length;
  for (const window of windows) {
    for (const tagIndex of choices) {
      const tag = tagIndex === undefined ? undefined : tags[tagIndex];
      const query = windowQuery(filter, window, tag);
      views[viewKey(window.id, tagIndex)] = await readView(reader, query, window.bucketMs, options.limit ?? 20);
      options.onProgress?.(Object.keys(views).length, total);
    }
  }
  const comparisons = span ? await reader.answerComparisons({ ...filter, limit: options.comparisons ?? 20 }) : [];
  return {
    version: 1,
    generatedAt: now(),
    source: options.source,
    filters: filter,
    span,
    windows,
    tags,
    views,
    comparisons,
  };
}

function filterOf(options: BuildReportOptions): LogQuery {
  const { from, to, chain, tags } = options;
  return {
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(chain === undefined ? {} : { chain }),
    ...(tags === undefined || Object.keys(tags).length === 0 ? {} : { tags }),
  };
}

/** The most used tag values, leaving out keys the filter fixes already (every request has them). */
async function tagChoices(reader: RequestLogReader, filter: LogQuery, count: number): Promise<ReportTag[]> {
  const fixed = new Set(Object.keys(filter.tags ?? {}));
  const tags = await reader.topTags({ ...filter, limit: count + fixed.size });
  return tags.filter((tag) => !fixed.has(tag.key)).slice(0, count);
}

function windowQuery(filter: LogQuery, window: ReportWindow, tag: ReportTag | undefined): LogQuery {
  const tags = tag ? { ...filter.tags, [tag.key]: tag.value } : filter.tags;
  // The whole log's window holds every request the filter does: without a range on the start
  // time, SQLite scans the table instead of visiting each row through the time index (2× faster).
  const range = window.id === wholeLog ? {} : { from: window.from, to: window.to };
  return { ...filter, ...range, ...(tags ? { tags } : {}) };
}

async function readView(reader: RequestLogReader, query: LogQuery, bucketMs: number, limit: number): Promise<ReportView> {
  const list: ListQuery = { ...query, limit };
  const [summary, requestsOverTime, skipsOverTime, unavailablePeriods, fallbackRates, latency, spend, slowest, failed, shadows] =
    await Promise.all([
      reader.summary(query),
      reader.requestsOverTime({ ...query, bucketMs }),
      reader.skipsOverTime({ ...query, bucketMs }),
      reader.unavailablePeriods(query),
      reader.fallbackRates(query),
      reader.latencyByModel(query),
      reader.spendByModel(query),
      reader.slowest(list),
      reader.failed(list),
      reader.shadowSummary(query),
    ]);
  return {
    summary,
    requestsOverTime,
    skipsOverTime,
    unavailablePeriods,
    fallbackRates,
    latency,
    spend,
    slowest: slowest.map(listed),
    failed: failed.map(listed),
    shadows,
  };
}

/** A request as the page lists it: no captured text, its error message bounded. */
function listed(record: RequestRecord): ReportedRequest {
  const { prompt: _prompt, answer: _answer, ...row } = record;
  const message = row.errorMessage;
  if (message === undefined || message.length <= maxMessageChars) return row;
  return { ...row, errorMessage: `${message.slice(0, maxMessageChars)}…` };
}
