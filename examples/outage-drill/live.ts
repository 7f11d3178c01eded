import { anthropic } from "@understudy/anthropic";
import { createFallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import type { DrillRun, RequestOutcome } from "./drill.ts";
import { roundMoney } from "./summary.ts";

/**
 * `--live`: a handful of real requests through the same kind of chain
 * (Claude, then GPT, then a small GPT), with the keys from the environment.
 * No fault is injected: this shows the chain working against the real APIs.
 */
export async function runLive(requests: number): Promise<DrillRun> {
  if (!process.env.ANTHROPIC_API_KEY || !process.env.OPENAI_API_KEY) {
    throw new Error("--live needs ANTHROPIC_API_KEY and OPENAI_API_KEY in the environment");
  }
  const chat = createFallback({
    models: [
      { model: anthropic("claude-sonnet-4-6"), id: "claude", price: { inputPerMillion: 3, outputPerMillion: 15 } },
      { model: openai("gpt-4.1-mini"), id: "gpt", price: { inputPerMillion: 0.4, outputPerMillion: 1.6 } },
      { model: openai("gpt-4.1-nano"), id: "gpt-nano", price: { inputPerMillion: 0.1, outputPerMillion: 0.4 } },
    ],
    deadlineMs: 60_000,
  });
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
