import { anthropic } from "@understudy/anthropic";
import { createFallback, type Fallback, type ModelEntry } from "@understudy/core";
import { google } from "@understudy/google";
import { openai } from "@understudy/openai";
import type { DrillRun, RequestOutcome } from "./drill.ts";
import { roundMoney } from "./summary.ts";

/**
 * The `--live` chain: Claude, then GPT-4.1 mini, then as the last resort
 * Gemini 2.5 Flash when a Gemini key is set (`GEMINI_API_KEY` or
 * `GOOGLE_API_KEY`), else GPT-4.1 nano. The Anthropic
 * and OpenAI keys stay the only ones required.
 */
export function liveModels(env: Readonly<Record<string, string | undefined>>): ModelEntry[] {
  // The order the Gemini SDK reads them in: GOOGLE_API_KEY first.
  const geminiKey = env.GOOGLE_API_KEY || env.GEMINI_API_KEY;
  const lastResort: ModelEntry = geminiKey
    ? {
        model: google("gemini-2.5-flash", { apiKey: geminiKey }),
        id: "gemini",
        price: { inputPerMillion: 0.3, outputPerMillion: 2.5 },
      }
    : { model: openai("gpt-4.1-nano"), id: "gpt-nano", price: { inputPerMillion: 0.1, outputPerMillion: 0.4 } };
  return [
    { model: anthropic("claude-sonnet-4-6"), id: "claude", price: { inputPerMillion: 3, outputPerMillion: 15 } },
    { model: openai("gpt-4.1-mini"), id: "gpt", price: { inputPerMillion: 0.4, outputPerMillion: 1.6 } },
    lastResort,
  ];
}

/**
 * `--live`: a handful of real requests through the same kind of chain as the
 * drill's ({@link liveModels}), with the keys from the environment. No fault
 * is injected: this shows the chain working against the real APIs. `prepare`
 * sees the chain before the first request (`--otel` instruments it there).
 */
export async function runLive(requests: number, prepare: (chat: Fallback) => void = () => {}): Promise<DrillRun> {
  if (!process.env.ANTHROPIC_API_KEY || !process.env.OPENAI_API_KEY) {
    throw new Error("--live needs ANTHROPIC_API_KEY and OPENAI_API_KEY in the environment");
  }
  const chat = createFallback({ models: liveModels(process.env), deadlineMs: 60_000 });
  prepare(chat);
  const start = Date.now();
  const outcomes: RequestOutcome[] = [];
  for (let index = 0; index < requests; index++) {
    const startedAt = Date.now();
    const stream = chat.stream({
      messages: [{ role: "user", content: "In one sentence: what does an understudy do?" }],
      maxTokens: 60,
    });
    for await (const part of stream) if (part.type === "text-delta") process.stderr.write(part.text);
    process.stderr.write("\n");
    const result = await stream.result;
    outcomes.push({
      index,
      phase: "healthy",
      startedAt,
      model: result.model,
      durationMs: result.durationMs,
      fallbacks: result.fallbacks.map((f) => `${f.from}→${f.to}:${f.reason}`),
      skips: [],
      calls: result.attempts.filter((a) => a.outcome !== "skipped").map((a) => ({ model: a.model, startedAt: a.startedAt })),
      error: undefined,
      cost: roundMoney(result.cost.total),
      wastedCost: roundMoney(result.cost.wasted),
    });
  }
  return { phases: [{ name: "healthy", from: start, to: Date.now() }], outcomes, serverLog: [] };
}
