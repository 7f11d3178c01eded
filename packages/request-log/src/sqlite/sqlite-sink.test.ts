import { fork } from "node:child_process";
import type { SQLInputValue } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { isConfigError } from "@understudy/core";
import { describe, expect, it } from "vitest";
import { sampleRequest } from "../test-support/sample-request.ts";
import { useTempDir } from "../test-support/temp-files.ts";
import { openDatabase } from "./load-sqlite.ts";
import { versionOf } from "./migrate.ts";
import { attemptColumns, attemptValues, requestColumns, requestValues } from "./row-codec.ts";
import { migrations, schemaVersion } from "./schema.ts";
import { SqliteLogStore } from "./sqlite-log-store.ts";
import { SqliteRequestLogReader } from "./sqlite-reader.ts";
import { SqliteSink } from "./sqlite-sink.ts";

const tempPath = useTempDir();
const day = 86_400_000;
/** The columns version 3 added. */
const hedgeColumns = new Set(["hedges", "hedges_won", "hedge", "lost_hedge_to"]);

async function countRows(path: string): Promise<{ requests: number; attempts: number; tags: number }> {
  const db = openDatabase(path);
  try {
    const count = (table: string) => Number((db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);
    return { requests: count("requests"), attempts: count("attempts"), tags: count("request_tags") };
  } finally {
    db.close();
  }
}

describe("SqliteSink", () => {
  it("writes batches in its worker; a reader reads them back as they were", async () => {
    const path = tempPath();
    const sink = new SqliteSink(path);
    const first = sampleRequest("r1", Date.now());
    await sink.write({ requests: [first, sampleRequest("r2", Date.now())] });
    await sink.write({ requests: [], dropped: { chain: "default", count: 3, at: Date.now() } });
    await sink.close();
    const reader = new SqliteRequestLogReader(path);
    try {
      expect(await reader.request("r1")).toEqual(first);
      expect(await reader.summary()).toMatchObject({ requests: 2, dropped: 3, fallbacks: 2 });
    } finally {
      await reader.close();
    }
  });

  it("a request written twice stays one request", async () => {
    const path = tempPath();
    const sink = new SqliteSink(path);
    await sink.write({ requests: [sampleRequest("r1", 1)] });
    await sink.write({ requests: [sampleRequest("r1", 1), sampleRequest("r2", 2)] });
    await sink.close();
    expect(await countRows(path)).toEqual({ requests: 2, attempts: 4, tags: 2 });
  });

  it("a batch is all or nothing", async () => {
    const path = tempPath();
    const store = new SqliteLogStore(path, 1_000);
    const broken = { ...sampleRequest("r2", 2), attempts: [{ ...sampleRequest("r2", 2).attempts[0], model: null }] };
    try {
      expect(() => store.write({ requests: [sampleRequest("r1", 1), broken as never] })).toThrow(/NOT NULL/);
    } finally {
      store.close();
    }
    expect(await countRows(path)).toEqual({ requests: 0, attempts: 0, tags: 0 });
  });

  it("a file it cannot open fails each write with the reason, and closes cleanly", async () => {
    const sink = new SqliteSink(tempPath("missing-dir/nested/log.db"));
    await expect(sink.write({ requests: [sampleRequest("r1", 1)] })).rejects.toThrow(/unable to open/);
    await sink.close();
  });

  it("a batch that cannot be sent to the worker fails alone", async () => {
    const sink = new SqliteSink(tempPath());
    try {
      const unclonable = { ...sampleRequest("r1", 1), extra: () => {} };
      await expect(sink.write({ requests: [unclonable] })).rejects.toThrow(/could not be cloned/);
      await sink.write({ requests: [sampleRequest("r2", 2)] });
    } finally {
      await sink.close();
    }
  });

  it("refuses writes once closed; close is the same promise every time", async () => {
    const sink = new SqliteSink(tempPath());
    const closing = sink.close();
    expect(sink.close()).toBe(closing);
    await closing;
    await expect(sink.write({ requests: [] })).rejects.toThrow(/closed/);
  });

  it("refuses options that cannot work, naming them", () => {
    for (const [options, path] of [
      [{ busyTimeoutMs: -1 }, "options.busyTimeoutMs"],
      [{ retention: { maxAgeDays: 0 } }, "options.retention.maxAgeDays"],
      [{ retention: { maxRows: 10.5 } }, "options.retention.maxRows"],
      [{ retention: { intervalMs: Number.NaN } }, "options.retention.intervalMs"],
    ] as const) {
      let error: unknown;
      try {
        new SqliteSink(tempPath(), options);
      } catch (thrown) {
        error = thrown;
      }
      expect(isConfigError(error) && error.path).toBe(path);
    }
  });
});

describe("migrations", () => {
  it("make an empty file a log at the current version, with its tables and indexes", () => {
    const path = tempPath();
    new SqliteLogStore(path, 1_000).close();
    const db = openDatabase(path);
    try {
      expect(versionOf(db)).toBe(schemaVersion);
      expect(schemaVersion).toBe(3);
      const names = (type: string) =>
        (
          db.prepare("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name").all(type) as {
            name: string;
          }[]
        ).map((row) => row.name);
      expect(names("table")).toEqual(["attempts", "drops", "request_tags", "requests", "shadows"]);
      expect(names("index")).toEqual([
        "drops_by_time",
        "request_tags_by_value",
        "requests_by_chain",
        "requests_by_model",
        "requests_by_outcome",
        "requests_by_time",
        "shadows_by_time",
      ]);
      expect((db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal");
    } finally {
      db.close();
    }
  });

  it("reopening a log changes nothing and keeps its rows", async () => {
    const path = tempPath();
    const store = new SqliteLogStore(path, 1_000);
    store.write({ requests: [sampleRequest("r1", 1)] });
    store.close();
    for (let i = 0; i < 3; i++) new SqliteLogStore(path, 1_000).close();
    expect(await countRows(path)).toEqual({ requests: 1, attempts: 2, tags: 1 });
  });

  it("brings a version-1 log up to this version, keeping its requests and their attempts", async () => {
    const path = tempPath();
    const v1 = openDatabase(path);
    v1.exec(migrations[0] ?? "");
    v1.exec("PRAGMA user_version = 1");
    const { record, attempts } = sampleRequest("old", Date.UTC(2026, 0, 1));
    // Version 1's columns: those of today but the hedges' (version 3).
    const insertV1 = (table: string, columns: readonly string[], values: SQLInputValue[]) => {
      const kept = columns.flatMap((column, i) => (hedgeColumns.has(column) ? [] : [[column, values[i] ?? null] as const]));
      v1.prepare(
        `INSERT INTO ${table} (${kept.map(([column]) => column).join(", ")}) VALUES (${kept.map(() => "?").join(", ")})`,
      ).run(...kept.map(([, value]) => value));
    };
    insertV1("requests", requestColumns, requestValues(record));
    for (const attempt of attempts) insertV1("attempts", attemptColumns, attemptValues(attempt));
    v1.close();
    await new SqliteSink(path).close();
    const reader = new SqliteRequestLogReader(path, { readOnly: true });
    try {
      expect(await reader.request("old")).toEqual({ record, attempts });
    } finally {
      await reader.close();
    }
  });

  it("a file from a newer version of the package is refused, not written wrongly", () => {
    const path = tempPath();
    const db = openDatabase(path);
    db.exec(`PRAGMA user_version = ${schemaVersion + 1}`);
    db.close();
    expect(() => new SqliteLogStore(path, 1_000)).toThrow(/schema version 4, newer than this package's 3/);
  });
});

describe("retention", () => {
  it("by age: requests older than maxAgeDays go, with their attempts, tags and drops", async () => {
    const path = tempPath();
    const now = Date.now();
    const store = new SqliteLogStore(path, 1_000);
    try {
      store.write({ requests: [sampleRequest("old", now - 31 * day), sampleRequest("new", now - 29 * day)] });
      store.write({ requests: [], dropped: { chain: "default", count: 2, at: now - 40 * day } });
      expect(store.retain({ maxAgeDays: 30 }, now)).toBe(1);
    } finally {
      store.close();
    }
    expect(await countRows(path)).toEqual({ requests: 1, attempts: 2, tags: 1 });
    const reader = new SqliteRequestLogReader(path);
    try {
      expect(await reader.request("old")).toBeUndefined();
      expect((await reader.summary()).dropped).toBe(0);
    } finally {
      await reader.close();
    }
  });

  it("by rows: the newest maxRows stay, however many must go", async () => {
    const path = tempPath();
    const store = new SqliteLogStore(path, 1_000);
    try {
      const requests = Array.from({ length: 4_500 }, (_, i) => sampleRequest(`r${i}`, 1_000_000 + i));
      store.write({ requests });
      expect(store.retain({ maxRows: 100 })).toBe(4_400);
      expect(store.retain({ maxRows: 100 })).toBe(0);
    } finally {
      store.close();
    }
    expect(await countRows(path)).toEqual({ requests: 100, attempts: 200, tags: 100 });
    const reader = new SqliteRequestLogReader(path);
    try {
      expect((await reader.slowest({ limit: 1 }))[0]?.requestId).toBe("r4499");
      expect(await reader.request("r4399")).toBeUndefined();
      expect(await reader.request("r4400")).toBeDefined();
    } finally {
      await reader.close();
    }
  });

  it("runs when the sink opens and on its schedule, in the worker", async () => {
    const path = tempPath();
    const store = new SqliteLogStore(path, 1_000);
    store.write({ requests: [sampleRequest("ancient", Date.now() - 10 * day)] });
    store.close();
    // An hour between runs: only the run at opening can have removed the ancient request.
    const opened = new SqliteSink(path, { retention: { maxAgeDays: 1, intervalMs: 3_600_000 } });
    try {
      await opened.write({ requests: [sampleRequest("stale", Date.now() - 2 * day), sampleRequest("fresh", Date.now())] });
      expect((await countRows(path)).requests).toBe(2);
    } finally {
      await opened.close();
    }
    // Every 20 ms: a stale request written after the sink opened goes on schedule (polled, generously).
    const scheduled = new SqliteSink(path, { retention: { maxAgeDays: 1, intervalMs: 20 } });
    try {
      await scheduled.write({ requests: [sampleRequest("stale-later", Date.now() - 2 * day)] });
      const deadline = Date.now() + 5_000;
      while ((await countRows(path)).requests > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect((await countRows(path)).requests).toBe(1);
      expect(await scheduled.applyRetention()).toBe(0);
    } finally {
      await scheduled.close();
    }
  });
});

describe("several processes writing one file", () => {
  it("lose nothing: WAL and the busy timeout serialise their transactions", async () => {
    const path = tempPath();
    new SqliteLogStore(path, 1_000).close();
    const program = fileURLToPath(new URL("../test-support/writer-process.ts", import.meta.url));
    const writers = ["a", "b", "c"].map((name) => {
      const child = fork(program, [path, name, "1500", "20"], {
        execArgv: ["--conditions=@understudy/source"],
        stdio: "inherit",
      });
      const ready = new Promise((resolve) => child.once("message", resolve));
      const exit = new Promise<number | null>((resolve, reject) => {
        child.once("error", reject);
        child.once("exit", resolve);
      });
      return { child, ready, exit };
    });
    await Promise.all(writers.map((writer) => writer.ready));
    for (const { child } of writers) child.send("go");
    expect(await Promise.all(writers.map((writer) => writer.exit))).toEqual([0, 0, 0]);
    expect(await countRows(path)).toEqual({ requests: 4_500, attempts: 9_000, tags: 4_500 });
    // The writers' transactions interleaved: they did write at once.
    const db = openDatabase(path);
    try {
      const order = (db.prepare("SELECT request_id FROM requests ORDER BY rowid").all() as { request_id: string }[]).map(
        (row) => row.request_id.split("-")[0],
      );
      const runs = order.filter((writer, index) => index === 0 || writer !== order[index - 1]).length;
      expect(runs).toBeGreaterThan(3);
    } finally {
      db.close();
    }
  }, 30_000);
});
