/**
 * `@understudy/request-log`: every request of an understudy chain on record.
 * `recordRequests(chain, sink)` writes one row per request and one per
 * attempt — who answered, every attempt and skip with its reason, delays,
 * durations, time to first token, tokens, cost answered and wasted, and your
 * tags — off the request path, through a bounded buffer that drops and counts
 * rather than wait. `SqliteSink` stores them in SQLite (`node:sqlite`, no
 * native addon), and `SqliteRequestLogReader` answers the questions a report asks;
 * `understudy report` (this package's command) turns a log into one HTML page.
 *
 * @packageDocumentation
 */

export type {
  AnswerComparison,
  BucketQuery,
  ComparedAnswer,
  FallbackRate,
  ListQuery,
  LogQuery,
  LogSummary,
  ModelLatency,
  ModelSpend,
  RequestBucket,
  RequestLogReader,
  ShadowSummary,
  SkipBucket,
  SpendTotals,
  TagCount,
  TimeSpan,
  UnavailablePeriod,
} from "./reader/request-log-reader.ts";
export { healthSkipReasons } from "./reader/unavailable-periods.ts";
export type { CaptureOptions } from "./recording/capture.ts";
export {
  type RecordedChain,
  type RecordRequestsOptions,
  type RequestRecording,
  recordRequests,
} from "./recording/record-requests.ts";
export type { DropNotice, DropReason, RequestLogStats } from "./recording/write-queue.ts";
export type { AttemptRecordRow } from "./records/attempt-record-row.ts";
export type { DroppedRequests, LoggedRequest, RequestLogBatch } from "./records/request-log-batch.ts";
export type { RequestLogSink } from "./records/request-log-sink.ts";
export type { RequestOutcome, RequestRecord } from "./records/request-record.ts";
export type { ShadowRecord } from "./records/shadow-record.ts";
export { type BuildReportOptions, buildReport } from "./report/build-report.ts";
export { renderReportHtml } from "./report/render-html.ts";
export { type CommandIO, reportUsage, runReportCommand, UsageError } from "./report/report-command.ts";
export {
  type EvalCheckResult,
  type EvalModelResult,
  type EvalRegression,
  type EvalSection,
  type FailedCheck,
  type ReportData,
  type ReportedRequest,
  type ReportTag,
  type ReportView,
  type ReportWindow,
  viewKey,
} from "./report/report-data.ts";
export type { RetentionOptions } from "./sqlite/retention.ts";
export { schemaVersion } from "./sqlite/schema.ts";
export { type SqliteReaderOptions, SqliteRequestLogReader } from "./sqlite/sqlite-reader.ts";
export { SqliteSink, type SqliteSinkOptions } from "./sqlite/sqlite-sink.ts";
