// Reviewing what happened: 30 tagged requests recorded to SQLite through a rate limit and an outage, then read back — totals, fallback rates, and SQL of your own.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { type ChatRequest, createFallback } from "@understudy/core";
import { recordRequests, SqliteRequestLogReader, SqliteSink } from "@understudy/request-log";
import { type ScriptStep, scriptedModel } from "@understudy/testing";

// `node examples/review-requests.ts requests.db` keeps the log, for `understudy report requests.db`.
const keep = process.argv[2];
const dir = keep ? undefined : mkdtempSync(join(tmpdir(), "understudy-review-"));
const file = keep ?? join(dir ?? "", "requests.db");

const questionOf = (request: ChatRequest) => String(request.messages.at(-1)?.content);

// Stand-ins that need no API key, named as the models they play: with real providers write
// `anthropic("claude-sonnet-4-6")` and `openai("gpt-4.1-mini")` instead.
// The primary answers, is rate-limited once (Retry-After 0.2 s), then is overloaded (529)
// twice: its breaker opens, the first probe fails, the second answers.
const primaryScript = (call: number, request: ChatRequest): ScriptStep => {
  if (call === 7) return { error: "rate_limit", status: 429, retryAfterMs: 200 };
  if (call === 8 || call === 9) return { error: "overloaded", status: 529, delayMs: 5 };
  return { text: `Claude on "${questionOf(request)}": check the order page first.`, delayMs: 15 };
};
const primary = scriptedModel({ provider: "anthropic", modelId: "claude-sonnet-4-6", script: primaryScript });
const backup = scriptedModel({
  provider: "openai",
  modelId: "gpt-4.1-mini",
  script: (_, request) => ({ text: `GPT on "${questionOf(request)}": see the order page.`, delayMs: 25 }),
});

try {
  // #region record
  const chat = createFallback({
    models: [
      {
        model: primary,
        // A Retry-After longer than 50 ms cools the model down instead of being waited out;
        // two failures in a row open its breaker for 250 ms.
        retry: { maxAttempts: 2, initialDelayMs: 5, maxRetryAfterMs: 50 },
        breaker: { consecutiveFailures: 2, halfOpenAfterMs: 250 },
        price: { inputPerMillion: 3, outputPerMillion: 15 },
      },
      { model: backup, price: { inputPerMillion: 0.4, outputPerMillion: 1.6 } },
    ],
  });

  recordRequests(chat, new SqliteSink(file), {
    chain: "support-bot",
    // Prompts and answers are kept only when asked; here all of them, to compare the two models' answers.
    capture: { prompts: true, answers: true },
  });

  const questions = ["Where is my parcel?", "Can I change my address?", "How do I return a gift?"];
  for (let i = 0; i < 30; i++) {
    const content = questions[i % questions.length] ?? "";
    const tags = { feature: i % 3 === 0 ? "search" : "chat", tenant: i % 2 === 0 ? "acme" : "globex" };
    await chat.generate({ messages: [{ role: "user", content }], maxTokens: 200 }, { tags });
    await sleep(20); // traffic spread over time, so the breaker's half-open probe comes round
  }
  await chat.close(); // writes what is buffered, then closes the file and its worker thread
  // #endregion record

  // #region read
  const reader = new SqliteRequestLogReader(file);
  const summary = await reader.summary();
  console.log(
    `${summary.requests} requests: ${summary.outcomes.success ?? 0} answered, ${summary.withFallback} fell back, ` +
      `${summary.skips} skips, ${summary.dropped} not logged`,
  );
  // "Fell back" counts moves after a failed call; a primary skipped (cooling down, breaker open) is a skip.
  // Who answered tells the whole story: requests per time bucket and answering model, summed here.
  const answeredBy = new Map<string, number>();
  for (const bucket of await reader.requestsOverTime({ bucketMs: 3_600_000 })) {
    const model = bucket.model ?? `no answer (${bucket.outcome})`;
    answeredBy.set(model, (answeredBy.get(model) ?? 0) + bucket.requests);
  }
  console.log(`answered by ${[...answeredBy].map(([model, requests]) => `${model}: ${requests}`).join(", ")}`);
  console.log(`cost answered $${summary.costAnswer.toFixed(6)}, wasted $${summary.costWasted.toFixed(6)}`);
  for (const rate of await reader.fallbackRates()) {
    const share = `${rate.fallbacks} of ${rate.requests} requests (${Math.round(rate.rate * 100)} %)`;
    console.log(`fallback from ${rate.model} on ${rate.reason}: ${share}`);
  }
  for (const period of await reader.unavailablePeriods()) {
    console.log(`${period.model} unavailable (${period.reasons.join(", ")}): ${period.skips} requests passed it over`);
  }
  await reader.close();
  // #endregion read

  // #region sql
  // Any SQLite client reads the file, even while the app writes it (WAL). The guide's query for
  // the requests of one tag that did not get the primary's answer, the tag's value bound as a parameter:
  const db = new DatabaseSync(file, { readOnly: true });
  const rows = db
    .prepare(
      `SELECT r.request_id,
              datetime(r.started_at / 1000, 'unixepoch') AS started,
              COALESCE(r.model, r.outcome) AS answered_by,
              r.fallbacks,
              r.skips,
              r.duration_ms
      FROM request_tags t
      JOIN requests r ON r.request_id = t.request_id
      WHERE t.key = 'feature' AND t.value = :feature
        AND (r.fallbacks > 0 OR r.skips > 0 OR r.outcome <> 'success')
      ORDER BY r.started_at DESC
      LIMIT 50`,
    )
    .all({ feature: "search" });
  for (const row of rows) {
    const path = `${row.fallbacks} fallbacks, ${row.skips} skips`;
    console.log(`search ${row.request_id} at ${row.started}: ${row.answered_by} (${path}), ${row.duration_ms} ms`);
  }
  db.close();
  // #endregion sql
} finally {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
