import type { TimeSpan } from "../reader/request-log-reader.ts";
import type { ReportWindow } from "./report-data.ts";

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** The windows the page may offer besides the whole log, shortest first. */
const recentWindows = [
  { id: "1h", label: "last hour", ms: hour },
  { id: "24h", label: "last 24 hours", ms: day },
  { id: "7d", label: "last 7 days", ms: 7 * day },
  { id: "30d", label: "last 30 days", ms: 30 * day },
] as const;

/** The id of the window that spans the whole (filtered) log. */
export const wholeLog = "all";

/** Bucket widths a chart may use: round numbers a reader recognises. */
const bucketLadder = [
  1_000,
  5_000,
  10_000,
  30_000,
  minute,
  5 * minute,
  15 * minute,
  30 * minute,
  hour,
  3 * hour,
  6 * hour,
  12 * hour,
  day,
  7 * day,
];

/** Most buckets a window's charts get: enough to see an outage's shape, few enough to keep the page small. */
export const maxBuckets = 60;

/** The narrowest round bucket that splits `ms` into at most {@link maxBuckets}. */
export function bucketFor(ms: number): number {
  return bucketLadder.find((bucket) => ms / bucket <= maxBuckets) ?? Math.ceil(ms / maxBuckets / day) * day;
}

/**
 * The windows a report offers over a log's span: the whole of it, then each
 * recent window (ending at the last request) shorter than the span, so that
 * none repeats the whole log.
 */
export function reportWindows(span: TimeSpan): ReportWindow[] {
  const to = span.to + 1;
  const length = to - span.from;
  const whole = { id: wholeLog, label: "whole log", from: span.from, to, bucketMs: bucketFor(length) };
  const recent = recentWindows
    .filter((window) => window.ms < length)
    .map((window) => ({ id: window.id, label: window.label, from: to - window.ms, to, bucketMs: bucketFor(window.ms) }));
  return [whole, ...recent];
}
