// Hedged requests: Claude's first token is slow on one request in five; time to first token with hedging off, then on, and what a hedge leaves on record.
import { anthropic } from "@understudy/anthropic";
import { createFallback, type Fallback, type FallbackResult } from "@understudy/core";
import { openai } from "@understudy/openai";
import { FaultServer, faults, type ScriptedRequest } from "@understudy/testing";

const server = await FaultServer.start();
// Claude's first token normally comes after 80 ms; on one request in five it waits 1.5 s in a busy
// provider's queue. It always answers: no failure, no timeout, only a slow tail. GPT's comes after 120 ms.
const slowOnClaude = (request: ScriptedRequest) => Number(/#(\d+)/.exec(request.lastUserText)?.[1]) % 5 === 4;
server.script("claude-sonnet-4-6", (_attempt, request) => faults.slowFirstToken(slowOnClaude(request) ? 1_500 : 80));
server.script("gpt-4.1-mini", () => faults.slowFirstToken(120));

const claude = anthropic("claude-sonnet-4-6", { baseURL: server.anthropicBaseURL, apiKey: "not-a-real-key" });
const gpt = openai("gpt-4.1-mini", { baseURL: server.openaiBaseURL, apiKey: "not-a-real-key" });
const claudePrice = { inputPerMillion: 3, outputPerMillion: 15 };
const gptPrice = { inputPerMillion: 0.4, outputPerMillion: 1.6 };
const system = "You are the help desk of a bicycle shop. Answer in two sentences, plainly. ".repeat(20);
const requests = 20;

/** Sends `requests` streams, one every 25 ms, and notes each one's time to first token. */
async function traffic(chat: Fallback): Promise<{ ttft: number[]; results: FallbackResult[] }> {
  const one = async (index: number) => {
    await new Promise((resolve) => setTimeout(resolve, index * 25));
    const started = performance.now();
    let firstTokenMs: number | undefined;
    const stream = chat.stream({ system, messages: [{ role: "user", content: `Question #${index}` }], maxTokens: 200 });
    for await (const part of stream) if (part.type === "text-delta") firstTokenMs ??= performance.now() - started;
    return { firstTokenMs: firstTokenMs ?? Number.NaN, result: await stream.result };
  };
  const runs = await Promise.all(Array.from({ length: requests }, (_, index) => one(index)));
  return { ttft: runs.map((run) => run.firstTokenMs), results: runs.map((run) => run.result) };
}

/** One row of the comparison: time to first token (p50, p90, worst), calls per model, hedges and how many the hedge won. */
function row(label: string, { ttft, results }: { ttft: number[]; results: FallbackResult[] }): string[] {
  const sorted = [...ttft].sort((a, b) => a - b);
  const at = (share: number) => `${Math.round(sorted[Math.ceil(share * sorted.length) - 1] ?? Number.NaN)} ms`;
  const calls = (model: string) => results.flatMap((r) => r.attempts).filter((a) => a.model === model).length;
  const [toClaude, toGpt] = [calls("anthropic:claude-sonnet-4-6"), calls("openai:gpt-4.1-mini")];
  const hedges = results.flatMap((result) => result.hedges);
  const won = hedges.filter((hedge) => hedge.winner === hedge.to).length;
  return [label, at(0.5), at(0.9), at(1), `${toClaude + toGpt} (${toClaude} + ${toGpt})`, `${hedges.length} (${won})`];
}

function printTable(rows: readonly string[][]): void {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((cells) => cells[column]?.length ?? 0))) ?? [];
  for (const cells of rows) {
    const padded = cells.map((cell, column) => cell.padEnd(widths[column] ?? 0));
    console.log(padded.join("  ").trimEnd());
  }
}

try {
  const plain = createFallback({
    models: [
      { model: claude, price: claudePrice },
      { model: gpt, price: gptPrice },
    ],
  });
  // #region chain
  const chat = createFallback({
    models: [
      // Claude's first token normally comes within 150 ms: after 400 ms without it, GPT starts beside it.
      { model: claude, hedge: { afterMs: 400 }, price: claudePrice },
      { model: gpt, price: gptPrice },
    ],
    // The default budget, written out: a burst of 10 hedges, then one per ten requests; one per request.
    hedging: { maxShare: 0.1, burst: 10, maxPerRequest: 1 },
  });
  chat.on("hedgeStart", (e) => console.log(`  hedgeStart ${e.from} → ${e.to} after ${e.afterMs} ms`));
  chat.on("hedgeEnd", (e) => console.log(`  hedgeEnd   won by ${e.winner ?? "nobody"}`));
  // #endregion chain

  // One call to each model first, so that no figure below includes an SDK's first connection.
  const warmUp = { messages: [{ role: "user" as const, content: "Warm up" }], maxTokens: 10 };
  for (const id of plain.modelIds) await plain.generate(warmUp, { models: [id] });

  console.log(`${requests} streamed requests, one every 25 ms; Claude's first token is slow (1.5 s, not 80 ms) on one in five.`);
  const off = await traffic(plain);
  console.log("\nthe same with hedging on; its events as they come:");
  const on = await traffic(chat);

  console.log();
  printTable([
    ["", "p50", "p90", "worst", "calls (Claude + GPT)", "hedges (won by GPT)"],
    row("hedging off", off),
    row("hedging on", on),
  ]);

  // #region record
  const hedged = on.results.find((result) => result.hedges.length > 0);
  for (const hedge of hedged?.hedges ?? []) {
    console.log(`\none hedged request: ${hedge.from} → ${hedge.to} after ${hedge.afterMs} ms, won by ${hedge.winner}`);
  }
  for (const attempt of hedged?.attempts ?? []) {
    const role = attempt.hedge ? " (the hedge)" : "";
    const lost = attempt.lostHedgeTo ? `, lost to ${attempt.lostHedgeTo}` : "";
    const estimated = attempt.usage?.estimated ? " (estimated)" : "";
    const tokens = `${attempt.usage?.inputTokens ?? 0} input tokens${estimated}`;
    console.log(`  ${attempt.model}${role}: ${attempt.outcome}${lost}, ${tokens}, $${(attempt.cost ?? 0).toFixed(6)}`);
  }
  const cost = hedged?.cost;
  console.log(`  answered by ${hedged?.model}: $${cost?.answer.toFixed(6)}, wasted $${cost?.wasted.toFixed(6)}`);
  // #endregion record

  // Each loser's HTTP request was hung up at once, not left to run: the provider saw it end.
  const hedges = on.results.filter((result) => result.hedges.length > 0).length;
  const hungUp = () => server.requestsFor("claude-sonnet-4-6").filter((entry) => entry.clientHungUp).length;
  for (let waited = 0; waited < 1_000 && hungUp() < hedges; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  console.log(`\nthe fault server saw ${hungUp()} of Claude's requests hung up by the client`);
} finally {
  await server.close();
}
