import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DroppedRequests, LoggedRequest } from "../records/request-log-batch.ts";
import { SqliteRequestLogReader } from "../sqlite/sqlite-reader.ts";
import { expectClose } from "../test-support/expect-close.ts";
import { bucketMs, drops, loggedRequests, logQuery, shadowsOf } from "../test-support/log-arbitraries.ts";
import { writeLogFile } from "../test-support/log-file.ts";
import { NaiveReader } from "../test-support/naive-reader.ts";
import { postgresAvailable, useTestPostgres } from "../test-support/postgres-server.ts";
import { readerQuestions } from "../test-support/reader-questions.ts";
import { useTempDir } from "../test-support/temp-files.ts";
import { PostgresRequestLogReader } from "./postgres-reader.ts";
import { PostgresSink } from "./postgres-sink.ts";

const available = postgresAvailable();

describe.skipIf(!available)("PostgresRequestLogReader", () => {
  const server = useTestPostgres();
  const tempPath = useTempDir();
  let url = "";
  let sink: PostgresSink;
  let reader: PostgresRequestLogReader;
  let admin: pg.Client;
  let files = 0;

  beforeAll(async () => {
    url = await server.database();
    sink = new PostgresSink({ connection: url });
    reader = new PostgresRequestLogReader({ connection: url });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await sink.ready();
  });

  afterAll(async () => {
    await Promise.all([sink?.close(), reader?.close(), admin?.end()]);
  });

  /** Empties the log and writes `logged` through the sink, seven at a time, then the drops. */
  async function writeLog(logged: readonly LoggedRequest[], dropped: readonly DroppedRequests[] = []): Promise<void> {
    await admin.query("TRUNCATE requests, attempts, request_tags, drops, shadows");
    for (let start = 0; start < logged.length; start += 7) {
      const requests = logged.slice(start, start + 7);
      await sink.write({ requests, shadows: shadowsOf(requests) });
    }
    for (const drop of dropped) await sink.write({ requests: [], dropped: drop });
  }

  /** A few requests of any shape, the same on every run. */
  async function sampleLog(): Promise<LoggedRequest[]> {
    const [logged = []] = fc.sample(loggedRequests(10), { numRuns: 1, seed: 7 });
    return logged.length > 0 ? logged : (fc.sample(loggedRequests(10), { numRuns: 5, seed: 8 }).find((l) => l.length) ?? []);
  }

  function sqliteLog(logged: readonly LoggedRequest[], dropped: readonly DroppedRequests[]): SqliteRequestLogReader {
    return new SqliteRequestLogReader(writeLogFile(tempPath(`log-${files++}.db`), logged, dropped));
  }

  it("agrees with the plain computation and with the SQLite reader on any log and any question", async () => {
    await fc.assert(
      fc.asyncProperty(
        loggedRequests(200, "max"),
        drops,
        logQuery,
        bucketMs,
        fc.integer({ min: 0, max: 12 }),
        async (logged, dropped, query, bucket, limit) => {
          await writeLog(logged, dropped);
          const naive = new NaiveReader(logged, dropped, shadowsOf(logged));
          const sqlite = sqliteLog(logged, dropped);
          try {
            const ask = readerQuestions(query, bucket, limit);
            for (const question of ask) {
              const answer = await question(reader);
              expectClose(answer, await question(naive));
              expectClose(answer, await question(sqlite));
            }
          } finally {
            await sqlite.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);

  it("reads back every request exactly as it was written", async () => {
    await fc.assert(
      fc.asyncProperty(loggedRequests(15), async (logged) => {
        await writeLog(logged);
        for (const request of logged) expect(await reader.request(request.record.requestId)).toEqual(request);
        expect(await reader.request("nope")).toBeUndefined();
      }),
      { numRuns: 30 },
    );
  }, 60_000);

  it("refuses a bucket or a limit that is not a whole positive number, and answers an empty log", async () => {
    await writeLog([]);
    await expect(reader.requestsOverTime({ bucketMs: 0 })).rejects.toThrow(/query\.bucketMs/);
    await expect(reader.skipsOverTime({ bucketMs: 1.5 })).rejects.toThrow(/query\.bucketMs/);
    await expect(reader.slowest({ limit: -1 })).rejects.toThrow(/query\.limit/);
    expect(await reader.summary()).toMatchObject({ requests: 0, outcomes: {}, durationP50Ms: undefined, dropped: 0 });
  });

  it("reads fractional window bounds as whole ms, and keeps a batch whose text holds a NUL", async () => {
    const [one] = await sampleLog();
    if (!one) throw new Error("no sample");
    const record = { ...one.record, requestId: "nul", startedAt: 1_000, tags: { feature: "a\u0000b" }, errorMessage: "x\u0000y" };
    await writeLog([{ record, attempts: [] }]);
    expect((await reader.summary({ from: 999.5, to: 1_000.5 })).requests).toBe(1);
    expect((await reader.summary({ from: 1_000.5 })).requests).toBe(0);
    expect((await reader.request("nul"))?.record.tags).toEqual({ feature: "a\u0000b" });
    expect(await reader.topTags()).toEqual([{ key: "feature", value: "a\uFFFDb", requests: 1 }]);
  });

  it("read-only, it reads with a role that may only SELECT, and refuses a database without a log", async () => {
    await writeLog(await sampleLog());
    const role = `report_reader_${process.pid}`;
    await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    await admin.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    const selectOnly = new PostgresRequestLogReader({ connection: url.replace("//postgres@", `//${role}@`), readOnly: true });
    const empty = new PostgresRequestLogReader({ connection: await server.database(), readOnly: true });
    try {
      expect((await selectOnly.summary()).requests).toBeGreaterThan(0);
      await expect(empty.summary()).rejects.toThrow(/holds no understudy request log/);
    } finally {
      await Promise.all([selectOnly.close(), empty.close()]);
    }
  });

  it("finds a window's requests by index", async () => {
    await admin.query("SET enable_seqscan = off");
    try {
      const plan = async (sql: string) =>
        (await admin.query(`EXPLAIN ${sql}`)).rows.map((row: Record<string, string>) => row["QUERY PLAN"]).join("\n");
      expect(await plan("SELECT * FROM requests r WHERE r.started_at >= 1 AND r.started_at < 2")).toMatch(/requests_by_time/);
      expect(await plan("SELECT * FROM requests r WHERE r.model = 'a' AND r.started_at >= 1")).toMatch(/requests_by_model/);
      expect(await plan("SELECT request_id FROM request_tags WHERE key = 'feature' AND value = 'chat'")).toMatch(
        /request_tags_by_value/,
      );
    } finally {
      await admin.query("RESET enable_seqscan");
    }
  });
});
