import { createFallback, type Fallback } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { PostgresRequestLogReader } from "../postgres/postgres-reader.ts";
import { PostgresSink } from "../postgres/postgres-sink.ts";
import { postgresMigrations } from "../postgres/schema.ts";
import { openDatabase } from "../sqlite/load-sqlite.ts";
import { migrations, schemaVersion } from "../sqlite/schema.ts";
import { SqliteRequestLogReader } from "../sqlite/sqlite-reader.ts";
import { SqliteSink } from "../sqlite/sqlite-sink.ts";
import { MemorySink } from "../test-support/memory-sink.ts";
import { postgresAvailable, useTestPostgres } from "../test-support/postgres-server.ts";
import { useTempDir } from "../test-support/temp-files.ts";
import type { CaptureOptions } from "./capture.ts";
import { recordRequests } from "./record-requests.ts";

const request = { messages: [{ role: "user" as const, content: "What is 2+2? my key is sk-abcdefghijklmnop1234" }] };
const tempPath = useTempDir();

/** A chain whose primary answers (the second time with an empty answer), shadowed by a backup that answers, then fails, then answers empty. */
function shadowedChain(): Fallback {
  const primary = scriptedModel({ modelId: "primary", script: [{ text: "4" }, { text: "" }, { text: "four" }] });
  const backup = scriptedModel({
    modelId: "backup",
    script: [
      { text: "4, sk-abcdefghijklmnop1234", usage: { inputTokens: 10, outputTokens: 2 } },
      { error: "overloaded" },
      { text: "" },
    ],
  });
  return createFallback({
    models: [{ model: primary }, { model: backup, price: { inputPerMillion: 1_000_000, outputPerMillion: 0 } }],
    shadow: { model: "scripted:backup", sampleRate: 1, pauseAfterFallbackMs: 0 },
  });
}

/** Three requests, each waited on until its shadow call has been reported. */
async function runRequests(chat: Fallback): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const shadowed = new Promise((resolve) => chat.once("shadow", resolve));
    ids.push((await chat.generate(request)).requestId);
    await shadowed;
  }
  return ids;
}

describe("recordRequests and shadow calls", () => {
  it("writes shadow calls apart from the requests, each counted once", async () => {
    const chat = shadowedChain();
    const sink = new MemorySink();
    const recording = recordRequests(chat, sink);
    const ids = await runRequests(chat);
    await chat.close();
    const shadows = sink.batches.flatMap((batch) => batch.shadows ?? []);
    expect(sink.requests.map((r) => r.record.requestId)).toEqual(ids);
    expect(sink.requests.every((r) => r.attempts.every((a) => a.model === "scripted:primary"))).toBe(true);
    expect(shadows.map((s) => [s.requestId, s.outcome, s.kind, s.failedCheck, s.realFailedCheck])).toEqual([
      [ids[0], "answered", undefined, undefined, undefined],
      [ids[1], "failed", "overloaded", undefined, undefined],
      [ids[2], "answered", undefined, "not-empty", undefined],
    ]);
    expect(shadows[0]).toMatchObject({
      model: "scripted:backup",
      answeringModel: "scripted:primary",
      chain: "default",
      cost: 10,
    });
    expect(shadows[0]?.answer).toBeUndefined();
    expect(recording.stats()).toEqual({ written: 6, failed: 0, dropped: 0, pending: 0 });
  });

  it("keeps the shadow answer only when answers are captured, redacted like the others", async () => {
    const capture: CaptureOptions = { answers: true };
    const chat = shadowedChain();
    const sink = new MemorySink();
    recordRequests(chat, sink, { capture });
    await runRequests(chat);
    await chat.close();
    const [first] = sink.batches.flatMap((batch) => batch.shadows ?? []);
    expect(first?.answer).toBe("4, [redacted]");
  });

  it("SQLite: the shadows table holds them, and shadowSummary counts them per shadow model", async () => {
    const path = tempPath("shadows.db");
    const chat = shadowedChain();
    recordRequests(chat, new SqliteSink(path));
    await runRequests(chat);
    await chat.close();
    const reader = new SqliteRequestLogReader(path, { readOnly: true });
    try {
      expect(await reader.shadowSummary()).toEqual([
        {
          model: "scripted:backup",
          sampled: 3,
          answered: 2,
          failed: 1,
          skipped: {},
          shadowChecksFailed: 1,
          realChecksFailed: 0,
          cost: 20,
        },
      ]);
      expect(await reader.shadowSummary({ chain: "other" })).toEqual([]);
      expect((await reader.summary()).calls).toBe(3);
    } finally {
      await reader.close();
    }
  });

  it("SQLite: a version 1 log is refused read-only with the way to migrate it, and migrated by a sink", async () => {
    const path = tempPath("v1.db");
    const db = openDatabase(path);
    db.exec(migrations[0] ?? "");
    db.exec("PRAGMA user_version = 1");
    db.close();
    expect(() => new SqliteRequestLogReader(path, { readOnly: true })).toThrow(
      /schema version 1, this package reads 3: open it once with a SqliteSink to migrate it/,
    );
    const sink = new SqliteSink(path);
    await sink.write({ requests: [] });
    await sink.close();
    const reader = new SqliteRequestLogReader(path, { readOnly: true });
    expect(await reader.shadowSummary()).toEqual([]);
    await reader.close();
    expect(schemaVersion).toBe(3);
  });
});

describe.skipIf(!postgresAvailable())("PostgreSQL and shadow calls", () => {
  const server = useTestPostgres();

  it("records shadow calls apart; a batch written twice adds none", async () => {
    const url = await server.database();
    const sink = new PostgresSink({ connection: url });
    const memory = new MemorySink();
    const chat = shadowedChain();
    recordRequests(chat, memory);
    await runRequests(chat);
    await chat.close();
    for (const batch of memory.batches) {
      await sink.write(batch);
      await sink.write(batch);
    }
    await sink.close();
    const reader = new PostgresRequestLogReader({ connection: url, readOnly: true });
    try {
      expect(await reader.shadowSummary()).toEqual([
        {
          model: "scripted:backup",
          sampled: 3,
          answered: 2,
          failed: 1,
          skipped: {},
          shadowChecksFailed: 1,
          realChecksFailed: 0,
          cost: 20,
        },
      ]);
    } finally {
      await reader.close();
    }
  });

  it("a version 1 database is refused read-only with the way to migrate it, and migrated by a sink", async () => {
    const url = await server.database();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(postgresMigrations[0] ?? "");
      await client.query("CREATE TABLE understudy_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
      await client.query("INSERT INTO understudy_schema VALUES ('request_log', 1)");
    } finally {
      await client.end();
    }
    const readOnly = new PostgresRequestLogReader({ connection: url, readOnly: true });
    await expect(readOnly.shadowSummary()).rejects.toThrow(/schema version 1, this package reads 3: start a PostgresSink/);
    await readOnly.close();
    const sink = new PostgresSink({ connection: url });
    await sink.ready();
    await sink.close();
    const reader = new PostgresRequestLogReader({ connection: url, readOnly: true });
    expect(await reader.shadowSummary()).toEqual([]);
    await reader.close();
  });
});
