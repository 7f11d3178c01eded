import type { SQLInputValue } from "node:sqlite";
import { ConfigError } from "@understudy/core";
import type { AnswerComparison, ListQuery, TagCount, TimeSpan } from "../reader/request-log-reader.ts";

// The report's overview questions, in SQL both SQLite and PostgreSQL run
// (`?` placeholders; the PostgreSQL reader numbers them), with the rows'
// decoding shared so that both readers answer alike.

type Row = Record<string, SQLInputValue>;

/** A list's `limit`, checked: a whole number from 0; 20 when left out. */
export function limitOf(query: ListQuery): number {
  const limit = query.limit ?? 20;
  if (!(Number.isInteger(limit) && limit >= 0)) {
    throw new ConfigError("query.limit", `must be a whole number from 0, got ${limit}`, "leave it out for 20");
  }
  return limit;
}

/** The first and last start of the requests matching `where` (on `requests r`). */
export function timeSpanSql(where: string): string {
  return `SELECT MIN(r.started_at) AS first_at, MAX(r.started_at) AS last_at FROM requests r WHERE ${where}`;
}

/** Decodes {@link timeSpanSql}'s row. */
export function timeSpanFromRow(row: Row | undefined): TimeSpan | undefined {
  if (row?.first_at === null || row?.first_at === undefined) return undefined;
  return { from: Number(row.first_at), to: Number(row.last_at) };
}

/** The tag values of the matching requests, most used first; one `?` for the limit after `where`'s. */
export function topTagsSql(where: string): string {
  return `SELECT t.key, t.value, COUNT(*) AS requests
    FROM requests r JOIN request_tags t ON t.request_id = r.request_id
    WHERE ${where}
    GROUP BY t.key, t.value ORDER BY requests DESC, t.key, t.value LIMIT ?`;
}

/** Decodes {@link topTagsSql}'s rows. */
export function tagCountsFromRows(rows: readonly Row[]): TagCount[] {
  return rows.map((row) => ({ key: String(row.key), value: String(row.value), requests: Number(row.requests) }));
}

/**
 * The latest answer of each model to each captured prompt answered by two or
 * more models, for the `limit` prompts answered last; one `?` for the limit
 * after `where`'s. Rows come by prompt (latest first), then model.
 */
export function answerComparisonsSql(where: string): string {
  return `
    WITH answered AS (
      SELECT r.request_id, r.started_at, r.model, r.models, r.tags, r.prompt, r.answer,
        ROW_NUMBER() OVER (PARTITION BY r.prompt, r.model ORDER BY r.started_at DESC, r.request_id DESC) AS rn
      FROM requests r
      WHERE ${where} AND r.outcome = 'success' AND r.prompt IS NOT NULL AND r.answer IS NOT NULL
    ),
    latest AS (SELECT * FROM answered WHERE rn = 1),
    prompts AS (
      SELECT prompt, MAX(started_at) AS last_at FROM latest
      GROUP BY prompt HAVING COUNT(*) > 1
      ORDER BY last_at DESC, prompt LIMIT ?
    )
    SELECT l.request_id, l.started_at, l.model, l.models, l.tags, l.prompt, l.answer, p.last_at
    FROM latest l JOIN prompts p ON p.prompt = l.prompt
    ORDER BY p.last_at DESC, p.prompt, l.model`;
}

/** Groups {@link answerComparisonsSql}'s rows into comparisons, answers by their place in the chain. */
export function comparisonsFromRows(rows: readonly Row[]): AnswerComparison[] {
  const comparisons: { prompt: string; lastAt: number; answers: AnswerComparison["answers"][number][] }[] = [];
  for (const row of rows) {
    const prompt = String(row.prompt);
    let current = comparisons.at(-1);
    if (current?.prompt !== prompt) {
      current = { prompt, lastAt: Number(row.last_at), answers: [] };
      comparisons.push(current);
    }
    const model = String(row.model);
    const models = JSON.parse(String(row.models)) as string[];
    current.answers.push({
      model,
      position: models.indexOf(model),
      requestId: String(row.request_id),
      startedAt: Number(row.started_at),
      tags: JSON.parse(String(row.tags)) as Record<string, string>,
      answer: String(row.answer),
    });
  }
  for (const comparison of comparisons) comparison.answers.sort(byPosition);
  return comparisons;
}

function byPosition(a: { position: number; model: string }, b: { position: number; model: string }): number {
  if (a.position !== b.position) return a.position - b.position;
  return a.model < b.model ? -1 : a.model > b.model ? 1 : 0;
}
