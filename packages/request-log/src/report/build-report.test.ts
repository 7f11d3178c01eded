import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LoggedRequest } from "../records/request-log-batch.ts";
import type { RequestRecord } from "../records/request-record.ts";
import { SqliteRequestLogReader } from "../sqlite/sqlite-reader.ts";
import { loggedRequests, logQuery } from "../test-support/log-arbitraries.ts";
import { writeLogFile } from "../test-support/log-file.ts";
import { sampleRequest } from "../test-support/sample-request.ts";
import { useTempDir } from "../test-support/temp-files.ts";
import { buildReport } from "./build-report.ts";
import { viewKey } from "./report-data.ts";
import { maxBuckets } from "./report-windows.ts";

const tempPath = useTempDir();
let files = 0;

function readerOf(logged: readonly LoggedRequest[]): SqliteRequestLogReader {
  return new SqliteRequestLogReader(writeLogFile(tempPath(`log-${files++}.db`), logged));
}

/** Whether a request is in a window with tags, computed from the records themselves. */
function inView(record: RequestRecord, from: number, to: number, tags: Readonly<Record<string, string>> = {}): boolean {
  return record.startedAt >= from && record.startedAt < to && Object.entries(tags).every(([k, v]) => record.tags[k] === v);
}

describe("buildReport", () => {
  it("gives every window and tag choice the requests it holds, and no more buckets than a chart can show", async () => {
    await fc.assert(
      fc.asyncProperty(loggedRequests(60), logQuery, async (logged, query) => {
        const reader = readerOf(logged);
        try {
          const { from, to, chain, tags } = query;
          const data = await buildReport(reader, { source: "test.db", from, to, chain, tags, now: () => 42 });
          const kept = logged
            .map((l) => l.record)
            .filter((r) => (chain === undefined || r.chain === chain) && inView(r, from ?? -Infinity, to ?? Infinity, tags));
          expect(data.generatedAt).toBe(42);
          if (kept.length === 0) {
            expect(data.span).toBeUndefined();
            expect(data.windows).toEqual([]);
            expect(data.views).toEqual({});
            return;
          }
          const starts = kept.map((r) => r.startedAt);
          expect(data.span).toEqual({ from: Math.min(...starts), to: Math.max(...starts) });
          expect(data.windows[0]).toMatchObject({ id: "all", from: Math.min(...starts), to: Math.max(...starts) + 1 });
          // No tag already fixed by the filter is offered again.
          for (const tag of data.tags) expect(Object.keys(tags ?? {})).not.toContain(tag.key);
          for (const window of data.windows) {
            expect((window.to - window.from) / window.bucketMs).toBeLessThanOrEqual(maxBuckets);
            for (const tagIndex of [undefined, ...data.tags.keys()]) {
              const tag = tagIndex === undefined ? undefined : data.tags[tagIndex];
              const view = data.views[viewKey(window.id, tagIndex)];
              const expected = kept.filter((r) => inView(r, window.from, window.to, tag && { [tag.key]: tag.value }));
              expect(view?.summary.requests).toBe(expected.length);
              const overTime = view?.requestsOverTime.reduce((sum, bucket) => sum + bucket.requests, 0);
              expect(overTime).toBe(expected.length);
              for (const listed of [...(view?.slowest ?? []), ...(view?.failed ?? [])]) {
                expect(listed).not.toHaveProperty("prompt");
                expect(listed).not.toHaveProperty("answer");
                expect(listed.errorMessage?.length ?? 0).toBeLessThanOrEqual(301);
              }
            }
          }
        } finally {
          await reader.close();
        }
      }),
      { numRuns: 25 },
    );
  }, 60_000);

  it("offers the recent windows shorter than the log, and tells its progress view by view", async () => {
    const day = 86_400_000;
    const start = Date.UTC(2026, 10, 1);
    const logged = [0, 0.5, 2, 2.9, 3].map((days, index) =>
      sampleRequest(`r${index}`, start + days * day, { feature: index % 2 ? "chat" : "search" }),
    );
    const reader = readerOf(logged);
    const progress: [number, number][] = [];
    try {
      const data = await buildReport(reader, { source: "log.db", onProgress: (done, total) => progress.push([done, total]) });
      expect(data.windows.map((w) => [w.id, w.label])).toEqual([
        ["all", "whole log"],
        ["1h", "last hour"],
        ["24h", "last 24 hours"],
      ]);
      expect(data.windows.map((w) => data.views[w.id]?.summary.requests)).toEqual([5, 1, 2]);
      expect(data.tags.map((t) => [t.key, t.value, t.requests])).toEqual([
        ["feature", "search", 3],
        ["feature", "chat", 2],
      ]);
      expect(data.views[viewKey("24h", 1)]?.summary.requests).toBe(1);
      expect(progress).toHaveLength(9);
      expect(progress.at(-1)).toEqual([9, 9]);
    } finally {
      await reader.close();
    }
  });

  it("bounds a listed request's error message and keeps captured text out of the lists", async () => {
    const failed = sampleRequest("long", Date.UTC(2026, 0, 1));
    const record: RequestRecord = {
      ...failed.record,
      outcome: "exhausted",
      errorMessage: "x".repeat(5_000),
      prompt: "secret prompt",
      answer: "an answer",
    };
    const reader = readerOf([{ ...failed, record }]);
    try {
      const data = await buildReport(reader, { source: "log.db" });
      const [row] = data.views.all?.failed ?? [];
      expect(row?.errorMessage).toHaveLength(301);
      expect(JSON.stringify(data.views)).not.toContain("secret prompt");
    } finally {
      await reader.close();
    }
  });
});
