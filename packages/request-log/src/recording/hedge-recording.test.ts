import { readFileSync } from "node:fs";
import type { SQLInputValue } from "node:sqlite";
import { createFallback, type Fallback, type FallbackEvent, type FallbackResult } from "@understudy/core";
import { type ScriptStep, scriptedModel } from "@understudy/testing";
import pg from "pg";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { PostgresRequestLogReader } from "../postgres/postgres-reader.ts";
import { PostgresSink } from "../postgres/postgres-sink.ts";
import { postgresMigrations } from "../postgres/schema.ts";
import type { AttemptRecordRow } from "../records/attempt-record-row.ts";
import type { LoggedRequest, RequestLogBatch } from "../records/request-log-batch.ts";
import { openDatabase } from "../sqlite/load-sqlite.ts";
import { attemptColumns, attemptValues, requestColumns, requestValues } from "../sqlite/row-codec.ts";
import { migrations } from "../sqlite/schema.ts";
import { SqliteRequestLogReader } from "../sqlite/sqlite-reader.ts";
import { SqliteSink } from "../sqlite/sqlite-sink.ts";
import { MemorySink } from "../test-support/memory-sink.ts";
import { postgresAvailable, useTestPostgres } from "../test-support/postgres-server.ts";
import { sampleRequest } from "../test-support/sample-request.ts";
import { useTempDir } from "../test-support/temp-files.ts";
import { recordRequests } from "./record-requests.ts";

// Hedged requests through a real chain (scripted models, fake timers), as the
// recording writes them and as both readers count them; and a version 2 log
// (before hedges) migrated.

const request = { messages: [{ role: "user" as const, content: "Where is my parcel?" }] };
const price = { inputPerMillion: 1_000_000, outputPerMillion: 1_000_000 };
const primary = "scripted:primary";
const backup = "scripted:backup";
const tempPath = useTempDir();
/** The fake clock's start: every request of a test on one day. */
const noon = Date.UTC(2026, 10, 30, 12);

afterEach(() => {
  vi.useRealTimers();
});

/** Each model's calls, in order; a model with none left answers at once. */
type Queues = Record<string, ScriptStep[]>;

/** A chain of scripted models named `ids`: the first hedges to the next after 500 ms, each does what its queue says. */
function hedgedChain(ids: readonly string[], queues: Queues, hedgeFrom: readonly string[] = [ids[0] ?? ""]): Fallback {
  return createFallback({
    models: ids.map((id) => ({
      model: scriptedModel({ modelId: id, script: () => queues[id]?.shift() ?? { text: `${id} answer` } }),
      ...(hedgeFrom.includes(id) ? { hedge: { afterMs: 500 } } : {}),
      retry: id === "backup" ? { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10 } : { maxAttempts: 1 },
      breaker: false as const,
      price,
    })),
    hedging: { maxShare: 1, burst: 100, maxPerRequest: 2 },
  });
}

/** A request's story as the chain told it: its result (when answered) and its `fallback` events. */
interface Told {
  readonly result: FallbackResult | undefined;
  readonly switches: FallbackEvent[];
}

/** Runs one request on the fake clock, reading a stream to its end; returns what the chain told of it. */
async function run(chat: Fallback, method: "generate" | "stream"): Promise<Told> {
  const switches: FallbackEvent[] = [];
  const onFallback = (event: FallbackEvent) => switches.push(event);
  chat.on("fallback", onFallback);
  const pending = (async () => {
    if (method === "generate") return chat.generate(request);
    const stream = chat.stream(request);
    for await (const _part of stream);
    return stream.result;
  })().catch(() => undefined);
  await vi.advanceTimersByTimeAsync(5_000);
  const result = await pending;
  chat.off("fallback", onFallback);
  return { result, switches };
}

/** Which rows moved the request on, as `[model, kind]`: what `fallback` events say as `[from, reason]`. */
const fellBack = (attempts: readonly AttemptRecordRow[]) => attempts.filter((a) => a.fellBack).map((a) => [a.model, a.kind]);
const switched = (told: Told) => told.switches.map((s) => [s.from, s.reason]);
/** A row's shape in a test's eyes. */
const shape = (a: AttemptRecordRow) => [a.model, a.attempt, a.outcome, a.hedge, a.lostHedgeTo ?? null, a.fellBack];

/** The requests of the two-model chain, one per way a hedge can go, with what the chain told of each. */
async function recordTwoModelHedges(): Promise<{ logged: LoggedRequest[]; told: Told[]; batches: RequestLogBatch[] }> {
  vi.useFakeTimers({ now: noon });
  const queues: Queues = {};
  const chat = hedgedChain(["primary", "backup"], queues);
  const sink = new MemorySink();
  recordRequests(chat, sink);
  const told: Told[] = [];
  const scenario = async (method: "generate" | "stream", steps: Queues) => {
    Object.assign(queues, steps);
    told.push(await run(chat, method));
  };
  // 0: the hedge wins; the slow primary is aborted, its tokens estimated and wasted.
  await scenario("stream", { primary: [{ delayMs: 3_000 }], backup: [{ delayMs: 200 }] });
  // 1: the primary delivers after the hedge started, before it: the hedge is aborted.
  await scenario("stream", { primary: [{ delayMs: 700 }], backup: [{ delayMs: 1_000 }] });
  // 2: the primary fails while the hedge runs: the hedge carries the request, a fallback like any other.
  await scenario("generate", { primary: [{ delayMs: 800, error: "server" }], backup: [{ delayMs: 1_000 }] });
  // 3: the hedge fails and the primary answers: no fallback.
  await scenario("generate", { primary: [{ delayMs: 1_500 }], backup: [{ delayMs: 100, error: "overloaded" }] });
  // 4: both fail: the hedge's failure is the backup's first attempt, and its retry answers.
  await scenario("generate", {
    primary: [{ delayMs: 800, error: "server" }],
    backup: [{ delayMs: 100, error: "server" }, { text: "second try" }],
  });
  // 5: the primary is quick: no hedge.
  await scenario("generate", { primary: [{ delayMs: 100 }] });
  // 6: every call fails: exhausted, with its hedge counted all the same.
  await scenario("generate", {
    primary: [{ delayMs: 800, error: "server" }],
    backup: [
      { delayMs: 100, error: "server" },
      { delayMs: 100, error: "server" },
    ],
  });
  await chat.close();
  vi.useRealTimers();
  return { logged: sink.requests, told, batches: sink.batches };
}

describe("recordRequests and hedged requests", () => {
  it("writes each hedge on the request, and on each call whether it was a hedge and whom it lost to", async () => {
    const { logged, told } = await recordTwoModelHedges();
    expect(logged).toHaveLength(7);
    expect(logged.map(({ record }) => [record.outcome, record.model, record.hedges, record.hedgesWon])).toEqual([
      ["success", backup, 1, 1],
      ["success", primary, 1, 0],
      ["success", backup, 1, 1],
      ["success", primary, 1, 0],
      ["success", backup, 1, 0],
      ["success", primary, 0, 0],
      ["exhausted", undefined, 1, 0],
    ]);
    expect(logged.map(({ attempts }) => attempts.map(shape))).toEqual([
      [
        [primary, 1, "cancelled", false, backup, false],
        [backup, 1, "success", true, null, false],
      ],
      [
        [backup, 1, "cancelled", true, primary, false],
        [primary, 1, "success", false, null, false],
      ],
      [
        [primary, 1, "failure", false, null, true],
        [backup, 1, "success", true, null, false],
      ],
      [
        [backup, 1, "failure", true, null, false],
        [primary, 1, "success", false, null, false],
      ],
      [
        [backup, 1, "failure", true, null, false],
        [primary, 1, "failure", false, null, true],
        [backup, 2, "success", false, null, false],
      ],
      [[primary, 1, "success", false, null, false]],
      [
        [backup, 1, "failure", true, null, false],
        [primary, 1, "failure", false, null, true],
        [backup, 2, "failure", false, null, false],
      ],
    ]);
    // The lost call's tokens are an estimate, and its cost is the request's waste.
    const [hedgeWon] = logged;
    const lost = hedgeWon?.attempts[0];
    expect(lost?.usage?.estimated).toBe(true);
    expect(lost?.cost).toBeGreaterThan(0);
    expect(hedgeWon?.record.cost.wasted).toBe(lost?.cost);
    expect(hedgeWon?.record.usage.estimated).toBe(true);
    for (const [index, { record, attempts }] of logged.entries()) {
      const { result, switches } = told[index] as Told;
      // The same hedges as the result's, and the same fallbacks as the chain's events: a hedge is no fallback.
      if (result) {
        expect(record.hedges).toBe(result.hedges.length);
        expect(record.hedgesWon).toBe(result.hedges.filter((hedge) => hedge.winner === hedge.to).length);
        expect(record.calls).toBe(result.attempts.filter((a) => a.outcome !== "skipped").length);
      }
      expect(fellBack(attempts), `request ${index}`).toEqual(switched({ result, switches }));
      expect(record.fallbacks).toBe(switches.length);
    }
  });

  it("over more models: two hedges in a request, and each model the walk left after a hedge's failure", async () => {
    vi.useFakeTimers({ now: noon });
    const queues: Queues = {
      primary: [{ delayMs: 800, error: "server" }],
      second: [{ delayMs: 100, error: "server" }],
      third: [{ delayMs: 3_000 }],
      fourth: [{ delayMs: 100 }],
    };
    const chat = hedgedChain(["primary", "second", "third", "fourth"], queues, ["primary", "third"]);
    const sink = new MemorySink();
    recordRequests(chat, sink);
    const { result } = await run(chat, "generate");
    await chat.close();
    const [logged] = sink.requests;
    expect(result?.model).toBe("scripted:fourth");
    expect(result?.hedges.map((hedge) => [hedge.from, hedge.to, hedge.winner ?? null])).toEqual([
      [primary, "scripted:second", null],
      ["scripted:third", "scripted:fourth", "scripted:fourth"],
    ]);
    expect(logged?.record).toMatchObject({ hedges: 2, hedgesWon: 1, calls: 4, fallbacks: 2 });
    // The primary failed and the walk took up the second model's failed hedge, then left it too: two models left.
    // (The chain's `fallback` events tell only the second: the walk made no call to the second model to announce.)
    // A `generate`'s winner is recorded as it answers, before the call it beat ends.
    expect(logged?.attempts.map(shape)).toEqual([
      ["scripted:second", 1, "failure", true, null, true],
      [primary, 1, "failure", false, null, true],
      ["scripted:fourth", 1, "success", true, null, false],
      ["scripted:third", 1, "cancelled", false, "scripted:fourth", false],
    ]);
  });
});

describe("hedges in a SQLite log", () => {
  let recorded: Awaited<ReturnType<typeof recordTwoModelHedges>>;

  beforeAll(async () => {
    recorded = await recordTwoModelHedges();
  });

  async function sqliteLog(): Promise<string> {
    const path = tempPath("hedges.db");
    const sink = new SqliteSink(path);
    for (const batch of recorded.batches) await sink.write(batch);
    await sink.close();
    return path;
  }

  it("reads back every request as it was recorded, and counts hedged requests and hedges won in the summary", async () => {
    const reader = new SqliteRequestLogReader(await sqliteLog(), { readOnly: true });
    try {
      for (const logged of recorded.logged) expect(await reader.request(logged.record.requestId)).toEqual(asStored(logged));
      const summary = await reader.summary();
      expect(summary).toMatchObject({ requests: 7, hedged: 6, hedges: 6, hedgesWon: 2, fallbacks: 3, withFallback: 3 });
      const lostCost = recorded.logged
        .flatMap(({ attempts }) => attempts)
        .filter((a) => a.lostHedgeTo !== undefined)
        .reduce((sum, a) => sum + (a.cost ?? 0), 0);
      expect(lostCost).toBeGreaterThan(0);
      expect(summary.costWasted).toBeGreaterThanOrEqual(lostCost);
    } finally {
      await reader.close();
    }
  });

  it("the guide's hedge query counts them: per day, requests hedged, hedges won by the second call, and the lost calls' cost", async () => {
    const path = await sqliteLog();
    const guide = readFileSync(new URL("../../../../docs/reviewing-what-happened.md", import.meta.url), "utf8");
    const sql = [...guide.matchAll(/```sql\n([\s\S]*?)```/g)]
      .map((match) => match[1] ?? "")
      .find((q) => q.includes("hedges_won"));
    expect(sql).toBeDefined();
    const db = openDatabase(path, { readOnly: true });
    try {
      const rows = db.prepare(sql ?? "").all() as Record<string, SQLInputValue>[];
      const lost = recorded.logged.flatMap(({ attempts }) => attempts).filter((a) => a.lostHedgeTo !== undefined);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        requests: 7,
        hedged: 6,
        won_by_the_hedge: 2,
        lost_calls: lost.length,
      });
      expect(Number(rows[0]?.lost_calls_cost)).toBeCloseTo(
        lost.reduce((sum, a) => sum + (a.cost ?? 0), 0),
        4,
      );
    } finally {
      db.close();
    }
  });

  it("a version 2 log (before hedges) is refused read-only, migrated by a sink, and reads as unhedged", async () => {
    const path = tempPath("v2.db");
    const v2 = openDatabase(path);
    v2.exec(migrations[0] ?? "");
    v2.exec(migrations[1] ?? "");
    v2.exec("PRAGMA user_version = 2");
    const old = sampleRequest("before-hedges", Date.UTC(2026, 0, 1));
    await insertWithout(hedgeColumns, (table, columns, values) =>
      v2.prepare(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`).run(...values),
    )(old);
    v2.close();
    expect(() => new SqliteRequestLogReader(path, { readOnly: true })).toThrow(
      /schema version 2, this package reads 3: open it once with a SqliteSink to migrate it/,
    );
    const sink = new SqliteSink(path);
    await sink.write({ requests: recorded.logged.slice(0, 1) });
    await sink.close();
    const reader = new SqliteRequestLogReader(path, { readOnly: true });
    try {
      expect(await reader.request("before-hedges")).toEqual(old);
      expect(await reader.summary()).toMatchObject({ requests: 2, hedged: 1, hedges: 1, hedgesWon: 1 });
    } finally {
      await reader.close();
    }
  });
});

/** A request as a log stores it: waits in whole ms (a backoff's jitter makes fractions). */
function asStored(logged: LoggedRequest): LoggedRequest {
  return { ...logged, attempts: logged.attempts.map((a) => ({ ...a, waitedMs: Math.round(a.waitedMs) })) };
}

/** The columns version 3 added. */
const hedgeColumns = new Set(["hedges", "hedges_won", "hedge", "lost_hedge_to"]);

type Insert = (table: string, columns: string[], values: SQLInputValue[]) => unknown;

/** Writes a request and its attempts as a log from before `left` existed would hold them: without those columns. */
function insertWithout(left: ReadonlySet<string>, insert: Insert): (logged: LoggedRequest) => Promise<void> {
  const row = (table: string, columns: readonly string[], values: SQLInputValue[]) => {
    const kept = columns.flatMap((column, i) => (left.has(column) ? [] : [[column, values[i] ?? null] as const]));
    return insert(
      table,
      kept.map(([column]) => column),
      kept.map(([, value]) => value),
    );
  };
  return async ({ record, attempts }) => {
    await row("requests", requestColumns, requestValues(record));
    for (const attempt of attempts) await row("attempts", attemptColumns, attemptValues(attempt));
  };
}

describe.skipIf(!postgresAvailable())("hedges in a PostgreSQL log", () => {
  const server = useTestPostgres();

  it("reads them back and counts them as the SQLite reader does", async () => {
    const { logged, batches } = await recordTwoModelHedges();
    const url = await server.database();
    const sink = new PostgresSink({ connection: url });
    for (const batch of batches) await sink.write(batch);
    await sink.close();
    const path = tempPath("same.db");
    const sqliteSink = new SqliteSink(path);
    for (const batch of batches) await sqliteSink.write(batch);
    await sqliteSink.close();
    const reader = new PostgresRequestLogReader({ connection: url, readOnly: true });
    const sqlite = new SqliteRequestLogReader(path, { readOnly: true });
    try {
      for (const request of logged) expect(await reader.request(request.record.requestId)).toEqual(asStored(request));
      const summary = await reader.summary();
      expect(summary).toMatchObject({ hedged: 6, hedges: 6, hedgesWon: 2 });
      expect(summary).toEqual(await sqlite.summary());
    } finally {
      await Promise.all([reader.close(), sqlite.close()]);
    }
  });

  it("a version 2 database is refused read-only, migrated by a sink, and reads as unhedged", async () => {
    const url = await server.database();
    const old = sampleRequest("before-hedges", Date.UTC(2026, 0, 1));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(postgresMigrations[0] ?? "");
      await client.query(postgresMigrations[1] ?? "");
      await client.query("CREATE TABLE understudy_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
      await client.query("INSERT INTO understudy_schema VALUES ('request_log', 2)");
      await insertWithout(hedgeColumns, (table, columns, values) =>
        client.query(
          `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
          values,
        ),
      )(old);
    } finally {
      await client.end();
    }
    const readOnly = new PostgresRequestLogReader({ connection: url, readOnly: true });
    await expect(readOnly.summary()).rejects.toThrow(/schema version 2, this package reads 3: start a PostgresSink/);
    await readOnly.close();
    const sink = new PostgresSink({ connection: url });
    await sink.ready();
    await sink.close();
    const reader = new PostgresRequestLogReader({ connection: url, readOnly: true });
    try {
      expect(await reader.request("before-hedges")).toEqual(old);
      expect(await reader.summary()).toMatchObject({ requests: 1, hedged: 0, hedges: 0, hedgesWon: 0 });
    } finally {
      await reader.close();
    }
  });
});
