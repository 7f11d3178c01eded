import fc from "fast-check";
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { AttemptRecordRow } from "../records/attempt-record-row.ts";
import type { LoggedRequest } from "../records/request-log-batch.ts";
import { schemaVersion } from "../sqlite/schema.ts";
import { logEpoch, loggedRequests } from "../test-support/log-arbitraries.ts";
import { postgresAvailable, useTestPostgres } from "../test-support/postgres-server.ts";
import { sampleRequest } from "../test-support/sample-request.ts";
import { PostgresRequestLogReader } from "./postgres-reader.ts";
import { PostgresSink } from "./postgres-sink.ts";

const available = postgresAvailable();

/** `count` distinct requests, ids prefixed, one a minute from the log's epoch. */
function requests(count: number, prefix: string, seed = 1, start = logEpoch): LoggedRequest[] {
  const samples = fc.sample(loggedRequests(Math.min(count, 200), "max"), { numRuns: 10, seed });
  const sample = samples.reduce((longest, next) => (next.length > longest.length ? next : longest), []);
  const out: LoggedRequest[] = [];
  for (let i = 0; i < count; i++) {
    const base = sample[i % Math.max(sample.length, 1)];
    if (!base) break;
    const requestId = `${prefix}-${i}`;
    out.push({
      record: { ...base.record, requestId, startedAt: start + i * 60_000 },
      attempts: base.attempts.map((a) => ({ ...a, requestId })),
    });
  }
  return out;
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Attempts and tags whose request is gone (retention must take them along). */
const orphans = (url: string) =>
  withClient(url, async (c) =>
    Promise.all(
      ["attempts", "request_tags"].map(async (table) =>
        Number(
          (
            await c.query(
              `SELECT COUNT(*) AS n FROM ${table} x WHERE NOT EXISTS (SELECT 1 FROM requests r WHERE r.request_id = x.request_id)`,
            )
          ).rows[0].n,
        ),
      ),
    ),
  );

const count = (url: string, table: string) =>
  withClient(url, async (c) => Number((await c.query(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0].n));

describe.skipIf(!available)("PostgresSink", () => {
  const server = useTestPostgres();

  it("migrates once when three replicas start at once", async () => {
    const url = await server.database();
    const sinks = [0, 1, 2].map(() => new PostgresSink({ connection: url }));
    try {
      await Promise.all(sinks.map((sink) => sink.ready()));
      const versions = await withClient(
        url,
        async (c) => (await c.query("SELECT component, version FROM understudy_schema")).rows,
      );
      expect(versions).toEqual([{ component: "request_log", version: schemaVersion }]);
      const indexes = await withClient(url, async (c) =>
        (await c.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname")).rows.map(
          (row) => row.indexname,
        ),
      );
      expect(indexes).toEqual(
        expect.arrayContaining([
          "drops_by_time",
          "request_tags_by_value",
          "requests_by_chain",
          "requests_by_model",
          "requests_by_outcome",
          "requests_by_time",
          "shadows_by_time",
        ]),
      );
    } finally {
      await Promise.all(sinks.map((sink) => sink.close()));
    }
  });

  it("refuses a database from a newer version of the package", async () => {
    const url = await server.database();
    await withClient(url, async (c) => {
      await c.query("CREATE TABLE understudy_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
      await c.query("INSERT INTO understudy_schema VALUES ('request_log', 99)");
    });
    const sink = new PostgresSink({ connection: url });
    try {
      await expect(sink.ready()).rejects.toThrow(/schema version 99/);
      await expect(sink.write({ requests: [] })).rejects.toThrow(/schema version 99/);
    } finally {
      await sink.close();
    }
  });

  it("writes batches (more rows than one insert holds), and a batch written twice does no harm", async () => {
    const url = await server.database();
    const sink = new PostgresSink({ connection: url });
    const reader = new PostgresRequestLogReader({ connection: url });
    try {
      const logged = requests(1_200, "r");
      await sink.write({ requests: logged, dropped: { chain: "support", count: 3, at: logEpoch } });
      await sink.write({ requests: logged.slice(0, 10) });
      expect(await count(url, "requests")).toBe(1_200);
      expect(await count(url, "attempts")).toBe(logged.reduce((n, r) => n + r.attempts.length, 0));
      expect(await count(url, "request_tags")).toBe(logged.reduce((n, r) => n + Object.keys(r.record.tags).length, 0));
      for (const request of logged.slice(0, 50)) expect(await reader.request(request.record.requestId)).toEqual(request);
      expect((await reader.summary()).dropped).toBe(3);
    } finally {
      await reader.close();
      await sink.close();
    }
  });

  it("stores fractional times and counts as whole numbers rather than lose the batch", async () => {
    // A backoff's jitter makes fractional waits; a hostile provider reports 2.5 tokens. BIGINT takes neither.
    const url = await server.database();
    const sink = new PostgresSink({ connection: url });
    const reader = new PostgresRequestLogReader({ connection: url });
    try {
      const { record, attempts } = sampleRequest("frac", logEpoch);
      const [failed, answered] = attempts as [AttemptRecordRow, AttemptRecordRow];
      const odd = { ...answered, waitedMs: 0.69, durationMs: 12.5, usage: { ...record.usage, outputTokens: 2.5 } };
      await sink.write({
        requests: [{ record: { ...record, durationMs: 99.4, firstTokenMs: Number.NaN }, attempts: [failed, odd] }],
      });
      const back = await reader.request("frac");
      expect(back?.record).toMatchObject({ durationMs: 99, firstTokenMs: 0 });
      expect(back?.attempts[1]).toMatchObject({ waitedMs: 1, durationMs: 13, usage: { outputTokens: 3 } });
    } finally {
      await reader.close();
      await sink.close();
    }
  });

  it("a batch is all or nothing", async () => {
    const url = await server.database();
    const sink = new PostgresSink({ connection: url });
    try {
      const [good, bad] = requests(2, "t");
      if (!good || !bad) throw new Error("no sample");
      const broken = {
        ...bad,
        attempts: [...bad.attempts, { ...good.attempts[0], requestId: bad.record.requestId, seq: 0, model: null }],
      };
      await expect(sink.write({ requests: [good, broken as unknown as LoggedRequest] })).rejects.toThrow();
      expect(await count(url, "requests")).toBe(0);
    } finally {
      await sink.close();
    }
  });

  it("two replicas writing one log at once lose nothing", async () => {
    const url = await server.database();
    const replicas = [new PostgresSink({ connection: url }), new PostgresSink({ connection: url })];
    try {
      const shared = requests(40, "shared");
      await Promise.all(
        replicas.map(async (sink, n) => {
          const own = requests(300, `replica${n}`, n + 2);
          for (let start = 0; start < own.length; start += 25) {
            // Both also write the shared requests, as a retried batch would.
            await sink.write({
              requests: [...own.slice(start, start + 25), ...shared.slice((start / 25) * 5, (start / 25) * 5 + 5)],
            });
          }
        }),
      );
      expect(await count(url, "requests")).toBe(640);
    } finally {
      await Promise.all(replicas.map((sink) => sink.close()));
    }
  });

  it("keeps requests by count, their attempts and tags going with them", async () => {
    const url = await server.database();
    const writer = new PostgresSink({ connection: url });
    try {
      await writer.write({ requests: requests(100, "old") });
    } finally {
      await writer.close();
    }
    const sink = new PostgresSink({ connection: url, retention: { maxRows: 60 } });
    try {
      await sink.ready();
      expect(await count(url, "requests")).toBe(60);
      const oldest = await withClient(url, async (c) =>
        Number((await c.query("SELECT MIN(started_at) AS m FROM requests")).rows[0].m),
      );
      expect(oldest).toBe(logEpoch + 40 * 60_000);
      expect(await orphans(url)).toEqual([0, 0]);
      expect(await sink.retain()).toBe(0);
    } finally {
      await sink.close();
    }
  });

  it("keeps requests by age: when it opens and when asked", async () => {
    const url = await server.database();
    const writer = new PostgresSink({ connection: url });
    const now = Date.now();
    try {
      // One a minute, the oldest 100 minutes old; half a minute clear of the cutoff.
      await writer.write({ requests: requests(100, "aged", 1, now - 100 * 60_000 + 30_000) });
    } finally {
      await writer.close();
    }
    const sink = new PostgresSink({ connection: url, retention: { maxAgeDays: 20 / 1_440 } });
    try {
      await sink.ready();
      expect(await count(url, "requests")).toBe(20);
      expect(await orphans(url)).toEqual([0, 0]);
      expect(await sink.retain(now + 10 * 60_000)).toBe(10);
      expect(await count(url, "requests")).toBe(10);
    } finally {
      await sink.close();
    }
  });

  it("close ends every connection of the pool", async () => {
    const url = await server.database();
    const name = new URL(url).pathname.slice(1);
    const sink = new PostgresSink({ connection: url, maxConnections: 3, retention: { maxRows: 10, intervalMs: 10 } });
    const reader = new PostgresRequestLogReader({ connection: url });
    await sink.write({ requests: requests(20, "c") });
    await reader.summary();
    await Promise.all([sink.close(), reader.close()]);
    const open = await withClient(url, async (c) => {
      for (let tries = 0; tries < 50; tries++) {
        const n = Number(
          (await c.query("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]))
            .rows[0].n,
        );
        if (n === 0) return 0;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return -1;
    });
    expect(open).toBe(0);
    await expect(reader.summary()).rejects.toThrow(/closed/);
  });
});
