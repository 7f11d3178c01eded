// The SQL of docs/reviewing-what-happened.md runs on a real log: every ```sql block, against requests a real chain recorded.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { type ChatRequest, createFallback } from "@understudy/core";
import { recordRequests, SqliteSink } from "@understudy/request-log";
import { type ScriptStep, scriptedModel } from "@understudy/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docBlocks } from "./doc-blocks.ts";

const guide = "docs/reviewing-what-happened.md";
const queries = docBlocks(guide).filter((block) => block.lang === "sql");

const primaryId = "anthropic:claude-sonnet-4-6";
const dir = mkdtempSync(join(tmpdir(), "understudy-review-sql-"));
const file = join(dir, "requests.db");

const questions = ["Where is my parcel?", "Can I change my address?", "How do I return a gift?"];
const ask = (i: number): ChatRequest => ({
  messages: [{ role: "user", content: questions[i % questions.length] ?? "" }],
  maxTokens: 200,
});
const tagsOf = (i: number) => ({ feature: i % 2 === 0 ? "search" : "chat", tenant: "acme" });

/**
 * Records what the guide's queries are about, through a real chain and a real
 * SqliteSink: answers by the primary and the backup to the same prompts,
 * fallbacks after 529s, skips while the breaker is open and while a rate limit
 * cools the primary down, a stream restarted after the primary broke mid-answer,
 * an exhausted request, a surfaced one, and requests the log dropped.
 */
async function recordLog(): Promise<void> {
  // The models do what the current phase says: no timing involved.
  let primaryStep: ScriptStep = {};
  let backupStep: ScriptStep = {};
  const answer = (who: string) => (_: number, request: ChatRequest) => ({
    text: `${who} on "${String(request.messages.at(-1)?.content)}": see the order page.`,
    ...(who === "Claude" ? primaryStep : backupStep),
  });
  const primary = scriptedModel({ provider: "anthropic", modelId: "claude-sonnet-4-6", script: answer("Claude") });
  const backup = scriptedModel({ provider: "openai", modelId: "gpt-4.1-mini", script: answer("GPT") });
  const chat = createFallback({
    models: [
      {
        model: primary,
        retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 10 },
        breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
        price: { inputPerMillion: 3, outputPerMillion: 15 },
      },
      { model: backup, price: { inputPerMillion: 0.4, outputPerMillion: 1.6 } },
    ],
    midStream: "restart",
  });
  const batchJobs = createFallback({ models: [{ model: scriptedModel({ provider: "openai", modelId: "gpt-4.1-mini" }) }] });

  const sink = new SqliteSink(file);
  recordRequests(chat, sink, { chain: "support-bot", closeSink: false, capture: { prompts: true, answers: true } });
  // A buffer of one, its batch held for a second: requests ending together overflow it and are dropped.
  recordRequests(batchJobs, sink, { chain: "batch-jobs", closeSink: false, bufferSize: 1, flushIntervalMs: 1_000 });

  let i = 0;
  const generate = async (count: number) => {
    for (const end = i + count; i < end; i++) await chat.generate(ask(i), { tags: tagsOf(i) });
  };
  const settle = async (count: number) => {
    for (const end = i + count; i < end; i++) await chat.generate(ask(i), { tags: tagsOf(i) }).catch(() => undefined);
  };

  await generate(4); // the primary answers
  primaryStep = { error: "overloaded", status: 529 };
  await generate(4); // two 529s open the breaker: one fallback, then three skips (`open`)
  chat.reset(primaryId);
  primaryStep = { error: "rate_limit", status: 429, retryAfterMs: 60_000 };
  await generate(3); // a Retry-After too long to wait: a fallback, then skips (`cooldown`)
  chat.reset(primaryId);
  primaryStep = { error: "server", status: 502, afterChunks: 2, chunks: 6 };
  for (const end = i + 2; i < end; i++) {
    // Broken mid-answer: a `reset` part, the backup's answer, tokens wasted on the primary.
    const stream = chat.stream(ask(i), { tags: tagsOf(i) });
    for await (const _part of stream);
    await stream.result;
    chat.reset(primaryId); // its retry broke too: two failures in a row opened the breaker
  }
  primaryStep = { error: "server", status: 500 };
  backupStep = { error: "server", status: 503 };
  await settle(1); // exhausted: every model failed
  chat.reset(primaryId);
  chat.reset("openai:gpt-4.1-mini");
  primaryStep = { error: "invalid_request", status: 400 };
  backupStep = {};
  await settle(1); // surfaced: the request's own failure
  primaryStep = {};
  await generate(3); // the primary answers again

  await Promise.all(Array.from({ length: 5 }, () => batchJobs.generate(ask(0), { tags: { feature: "nightly" } })));
  await chat.close();
  await batchJobs.close();
  await sink.close();
}

let db: DatabaseSync;

beforeAll(async () => {
  await recordLog();
  db = new DatabaseSync(file, { readOnly: true });
});

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Values for the named parameters a query uses (`:request_id`), from the log itself. */
function parametersOf(sql: string): Record<string, SQLInputValue> {
  const names = new Set([...sql.matchAll(/(?<![:\w]):([a-z_]\w*)/gi)].map((match) => match[1] ?? ""));
  const known: Record<string, () => SQLInputValue> = {
    request_id: () => {
      const row = db.prepare("SELECT request_id FROM requests WHERE fallbacks > 0 ORDER BY started_at LIMIT 1").get();
      return String(row?.request_id);
    },
  };
  return Object.fromEntries(
    [...names].map((name) => {
      const value = known[name];
      if (!value) throw new Error(`the guide's SQL uses :${name}; give it a value in parametersOf`);
      return [name, value()];
    }),
  );
}

describe(`the SQL of ${guide}`, () => {
  it("the log has what the queries look for", () => {
    const count = (sql: string) => Number(db.prepare(sql).get()?.n);
    expect(count("SELECT COUNT(*) AS n FROM requests WHERE fallbacks > 0")).toBeGreaterThan(0);
    expect(count("SELECT COUNT(*) AS n FROM attempts WHERE skip_reason = 'open'")).toBe(3);
    expect(count("SELECT COUNT(*) AS n FROM attempts WHERE skip_reason = 'cooldown'")).toBe(2);
    expect(count("SELECT COUNT(*) AS n FROM requests WHERE resets > 0")).toBe(2);
    expect(count("SELECT COUNT(*) AS n FROM requests WHERE outcome = 'exhausted'")).toBe(1);
    expect(count("SELECT COUNT(*) AS n FROM requests WHERE outcome = 'surfaced'")).toBe(1);
    expect(count("SELECT COUNT(*) AS n FROM requests WHERE prompt IS NOT NULL AND answer IS NOT NULL")).toBeGreaterThan(10);
    expect(count("SELECT TOTAL(count) AS n FROM drops WHERE chain = 'batch-jobs'")).toBeGreaterThan(0);
  });

  it("has the queries the guide promises", () => {
    expect(queries.length).toBeGreaterThanOrEqual(8);
  });

  it.each(queries.map((block) => [`${block.page}:${block.line}`, block.code] as const))("%s runs and finds rows", (_, sql) => {
    const rows = db.prepare(sql).all(parametersOf(sql));
    expect(rows.length).toBeGreaterThan(0);
  });

  it("the breaker's query tells the open breaker from the cooldown", () => {
    const sql = queries.find((block) => block.code.includes("requests_turned_away"))?.code ?? "";
    const rows = db
      .prepare(sql)
      .all()
      .map((row) => [row.model, row.skip_reason, row.requests_turned_away]);
    expect(rows).toEqual([
      [primaryId, "open", 3],
      [primaryId, "cooldown", 2],
    ]);
  });

  it("the comparison sets the backup's answer beside the primary's, for the same prompt", () => {
    const sql = queries.find((block) => block.code.includes("backup_answer"))?.code ?? "";
    for (const row of db.prepare(sql).all()) {
      expect(row.primary_model).toBe(primaryId);
      expect(row.primary_answer).toMatch(/^Claude on /);
      expect(row.backup_answer).toMatch(/^GPT on /);
      const question = JSON.parse(String(row.prompt)).messages[0].content as string;
      expect(row.primary_answer).toContain(question);
      expect(row.backup_answer).toContain(question);
    }
  });
});
