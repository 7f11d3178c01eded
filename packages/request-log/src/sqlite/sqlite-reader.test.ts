import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DroppedRequests, LoggedRequest } from "../records/request-log-batch.ts";
import { expectClose } from "../test-support/expect-close.ts";
import { bucketMs, drops, logEpoch, loggedRequests, logQuery, shadowsOf } from "../test-support/log-arbitraries.ts";
import { writeLogFile } from "../test-support/log-file.ts";
import { NaiveReader } from "../test-support/naive-reader.ts";
import { readerQuestions } from "../test-support/reader-questions.ts";
import { useTempDir } from "../test-support/temp-files.ts";
import { openDatabase } from "./load-sqlite.ts";
import { SqliteLogStore } from "./sqlite-log-store.ts";
import { SqliteRequestLogReader } from "./sqlite-reader.ts";

const tempPath = useTempDir();
let files = 0;

/** Writes a log with the store the sink's worker runs, and opens a reader on it. */
function logFile(logged: readonly LoggedRequest[], dropped: readonly DroppedRequests[] = []): SqliteRequestLogReader {
  return new SqliteRequestLogReader(writeLogFile(tempPath(`log-${files++}.db`), logged, dropped));
}

const hour = 3_600_000;
const at = (minutes: number) => logEpoch + minutes * 60_000;
const usage = (input: number, output: number) => ({
  inputTokens: input,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: output,
  reasoningTokens: 0,
  estimated: false,
});

/** Three requests a person can check by hand: a fallback, a clean answer, and a failure during an outage. */
function knownLog(): LoggedRequest[] {
  const base = {
    chain: "support",
    method: "stream" as const,
    models: ["a", "b"],
    calls: 1,
    skips: 0,
    retries: 0,
    fallbacks: 0,
    resets: 0,
    hedges: 0,
    hedgesWon: 0,
    usage: usage(0, 0),
  };
  const call = (requestId: string, seq: number, model: string, startedAt: number) => ({
    requestId,
    seq,
    startedAt,
    model,
    provider: "p",
    modelId: model,
    attempt: 1,
    waitedMs: 0,
    probe: false,
    fellBack: false,
    hedge: false,
  });
  return [
    {
      record: {
        ...base,
        requestId: "r1",
        startedAt: at(0),
        durationMs: 900,
        tags: { feature: "chat" },
        outcome: "success",
        model: "b",
        calls: 2,
        fallbacks: 1,
        cost: { answer: 0.002, wasted: 0.001, total: 0.003, complete: true },
      },
      attempts: [
        {
          ...call("r1", 0, "a", at(0)),
          outcome: "failure",
          kind: "overloaded",
          status: 529,
          durationMs: 100,
          fellBack: true,
          usage: usage(100, 10),
          cost: 0.001,
        },
        {
          ...call("r1", 1, "b", at(0) + 100),
          outcome: "success",
          durationMs: 800,
          firstTokenMs: 300,
          usage: usage(100, 50),
          cost: 0.002,
        },
      ],
    },
    {
      record: {
        ...base,
        requestId: "r2",
        startedAt: at(30),
        durationMs: 400,
        tags: { feature: "search" },
        outcome: "success",
        model: "a",
        cost: { answer: 0.004, wasted: 0, total: 0.004, complete: true },
      },
      attempts: [
        {
          ...call("r2", 0, "a", at(30)),
          outcome: "success",
          durationMs: 400,
          firstTokenMs: 100,
          usage: usage(200, 80),
          cost: 0.004,
        },
      ],
    },
    {
      record: {
        ...base,
        requestId: "r3",
        startedAt: at(90),
        durationMs: 50,
        tags: { feature: "chat" },
        outcome: "exhausted",
        skips: 1,
        errorName: "FallbackExhaustedError",
        errorKind: "server",
        exhaustedReason: "all_failed",
        errorMessage: "every model failed",
        cost: { answer: 0, wasted: 0, total: 0, complete: false },
      },
      attempts: [
        { ...call("r3", 0, "a", at(90)), attempt: 0, outcome: "skipped", skipReason: "open", durationMs: 0 },
        { ...call("r3", 1, "b", at(90)), outcome: "failure", kind: "server", status: 500, durationMs: 50, usage: usage(5, 0) },
      ],
    },
  ];
}

describe("SqliteRequestLogReader on a log checked by hand", () => {
  it("answers each question of a report", async () => {
    const reader = logFile(knownLog(), [{ chain: "support", count: 4, at: at(10) }]);
    try {
      expect(await reader.summary()).toEqual({
        requests: 3,
        outcomes: { success: 2, exhausted: 1 },
        withFallback: 1,
        answeredByBackup: 1,
        calls: 4,
        skips: 1,
        retries: 0,
        fallbacks: 1,
        resets: 0,
        hedged: 0,
        hedges: 0,
        hedgesWon: 0,
        costAnswer: 0.006,
        costWasted: 0.001,
        costIncomplete: 1,
        durationP50Ms: 400,
        durationP95Ms: 900,
        dropped: 4,
      });
      expect(await reader.requestsOverTime({ bucketMs: hour })).toEqual([
        { bucketStart: logEpoch, outcome: "success", model: "a", requests: 1 },
        { bucketStart: logEpoch, outcome: "success", model: "b", requests: 1 },
        { bucketStart: logEpoch + hour, outcome: "exhausted", model: null, requests: 1 },
      ]);
      expect(await reader.fallbackRates()).toEqual([{ model: "a", reason: "overloaded", fallbacks: 1, requests: 2, rate: 0.5 }]);
      expect(await reader.skipsOverTime({ bucketMs: hour })).toEqual([
        { bucketStart: logEpoch + hour, model: "a", reason: "open", skips: 1 },
      ]);
      expect(await reader.unavailablePeriods()).toEqual([{ model: "a", from: at(90), to: at(90), skips: 1, reasons: ["open"] }]);
      expect(await reader.latencyByModel()).toEqual([
        { model: "a", calls: 1, p50Ms: 400, p95Ms: 400, firstTokenCalls: 1, firstTokenP50Ms: 100, firstTokenP95Ms: 100 },
        { model: "b", calls: 1, p50Ms: 800, p95Ms: 800, firstTokenCalls: 1, firstTokenP50Ms: 300, firstTokenP95Ms: 300 },
      ]);
      const spend = await reader.spendByModel();
      expect(
        spend.map((s) => [s.model, s.answered.calls, s.answered.cost, s.wasted.calls, s.wasted.cost, s.wasted.unpricedCalls]),
      ).toEqual([
        ["a", 1, 0.004, 1, 0.001, 0],
        ["b", 1, 0.002, 1, 0, 1],
      ]);
      expect(spend[0]?.wasted).toMatchObject({ inputTokens: 100, outputTokens: 10 });
      expect((await reader.slowest({ limit: 2 })).map((r) => r.requestId)).toEqual(["r1", "r2"]);
      expect((await reader.failed()).map((r) => [r.requestId, r.errorKind, r.exhaustedReason])).toEqual([
        ["r3", "server", "all_failed"],
      ]);
      expect(await reader.request("r1")).toEqual(knownLog()[0]);
      expect(await reader.request("nope")).toBeUndefined();
    } finally {
      await reader.close();
    }
  });

  it("narrows every answer by window, chain and tag", async () => {
    const reader = logFile(knownLog());
    try {
      expect((await reader.summary({ tags: { feature: "chat" } })).requests).toBe(2);
      expect((await reader.summary({ from: at(30), to: at(90) })).requests).toBe(1);
      expect((await reader.summary({ chain: "other" })).requests).toBe(0);
      expect(await reader.fallbackRates({ tags: { feature: "search" } })).toEqual([]);
      expect((await reader.latencyByModel({ tags: { feature: "chat" } })).map((l) => l.model)).toEqual(["b"]);
    } finally {
      await reader.close();
    }
  });

  it("tells the log's span, its most used tags, and what each model answered to the same prompt", async () => {
    const answered = (id: string, minute: number, model: string, prompt: string, answer: string): LoggedRequest => {
      const [request] = knownLog();
      const record = { ...(request as LoggedRequest).record, requestId: id, startedAt: at(minute), model, prompt, answer };
      return { record, attempts: [] };
    };
    const reader = logFile([
      ...knownLog(),
      answered("q1", 1, "a", "capital of France?", "Paris."),
      answered("q2", 2, "b", "capital of France?", "Paris, France."),
      answered("q3", 3, "a", "capital of France?", "It is Paris."),
      answered("q4", 4, "a", "only one model", "so no comparison"),
    ]);
    try {
      expect(await reader.timeSpan()).toEqual({ from: at(0), to: at(90) });
      expect(await reader.timeSpan({ chain: "nobody" })).toBeUndefined();
      const tags = await reader.topTags({ limit: 1 });
      expect(tags).toHaveLength(1);
      expect(tags[0]?.requests).toBeGreaterThanOrEqual(2);
      const [comparison, ...others] = await reader.answerComparisons();
      expect(others).toEqual([]);
      expect(comparison?.prompt).toBe("capital of France?");
      expect(comparison?.lastAt).toBe(at(3));
      // The latest answer of each model, the chain's first model first.
      expect(comparison?.answers.map((a) => [a.model, a.position, a.requestId, a.answer])).toEqual([
        ["a", 0, "q3", "It is Paris."],
        ["b", 1, "q2", "Paris, France."],
      ]);
      expect(await reader.answerComparisons({ to: at(2) })).toEqual([]);
    } finally {
      await reader.close();
    }
  });

  it("refuses a bucket or a limit that is not a whole positive number", async () => {
    const reader = logFile([]);
    try {
      await expect(reader.requestsOverTime({ bucketMs: 0 })).rejects.toThrow(/query\.bucketMs/);
      await expect(reader.skipsOverTime({ bucketMs: 1.5 })).rejects.toThrow(/query\.bucketMs/);
      await expect(reader.slowest({ limit: -1 })).rejects.toThrow(/query\.limit/);
      expect(await reader.summary()).toMatchObject({ requests: 0, outcomes: {}, durationP50Ms: undefined, dropped: 0 });
    } finally {
      await reader.close();
    }
  });
});

describe("SqliteRequestLogReader agrees with the plain computation", () => {
  it("on any log and any question", async () => {
    await fc.assert(
      fc.asyncProperty(
        // Up to 200: percentiles of small groups cannot tell the 90th from the 95th.
        loggedRequests(200, "max"),
        drops,
        logQuery,
        bucketMs,
        fc.integer({ min: 0, max: 12 }),
        async (logged, dropped, query, bucket, limit) => {
          const reader = logFile(logged, dropped);
          const naive = new NaiveReader(logged, dropped, shadowsOf(logged));
          try {
            const ask = readerQuestions(query, bucket, limit);
            for (const question of ask) expectClose(await question(reader), await question(naive));
          } finally {
            await reader.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);

  it("reads back every request exactly as it was written", async () => {
    await fc.assert(
      fc.asyncProperty(loggedRequests(15), async (logged) => {
        const reader = logFile(logged);
        try {
          for (const request of logged) expect(await reader.request(request.record.requestId)).toEqual(request);
        } finally {
          await reader.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe("the report's questions use the indexes", () => {
  it("a time window, a tag and a model find their rows by index, not by scanning the table", () => {
    const path = tempPath();
    new SqliteLogStore(path, 1_000).close();
    const db = openDatabase(path);
    try {
      const plan = (sql: string) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((row) => row.detail).join("\n");
      expect(plan("SELECT * FROM requests r WHERE r.started_at >= 1 AND r.started_at < 2")).toMatch(
        /USING INDEX requests_by_time/,
      );
      expect(plan("SELECT * FROM requests r WHERE r.model = 'a' AND r.started_at >= 1")).toMatch(/USING INDEX requests_by_model/);
      expect(plan("SELECT * FROM requests r WHERE r.outcome = 'exhausted' AND r.started_at >= 1")).toMatch(
        /requests_by_(outcome|time)/,
      );
      expect(plan("SELECT request_id FROM request_tags WHERE key = 'feature' AND value = 'chat'")).toMatch(
        /request_tags_by_value/,
      );
      expect(plan("SELECT * FROM requests r JOIN attempts a ON a.request_id = r.request_id WHERE r.started_at >= 1")).toMatch(
        /SEARCH a USING PRIMARY KEY/,
      );
    } finally {
      db.close();
    }
  });
});
