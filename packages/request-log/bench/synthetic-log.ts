import type { AttemptRecordRow, LoggedRequest } from "../src/index.ts";

// A month of a busy feature's traffic, made up but shaped like the real thing:
// a three-model chain whose primary has outages (fallbacks, an open breaker's
// skips, a few exhausted requests), tags with skewed counts, latencies with a
// long tail, and a few captured prompts that several models answered.

const day = 86_400_000;
const models = ["claude", "gpt", "gemini"] as const;
const providers = { claude: "anthropic", gpt: "openai", gemini: "google" } as const;
const features = ["chat", "search", "summarize", "extract"];
const tenants = Array.from({ length: 12 }, (_, i) => `tenant-${i + 1}`);
const prices = { claude: [3, 15], gpt: [0.4, 1.6], gemini: [0.3, 2.5] } as const;

/** A small seeded generator (mulberry32): the same log on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` requests spread over the 30 days before `end`, oldest first. */
export function syntheticLog(count: number, end = Date.UTC(2026, 10, 30)): LoggedRequest[] {
  const next = random(count);
  const start = end - 30 * day;
  const outages = [0.2, 0.55, 0.9].map((at) => ({ from: start + at * 30 * day, to: start + at * 30 * day + 3_600_000 }));
  const logged: LoggedRequest[] = [];
  for (let index = 0; index < count; index++) {
    const startedAt = Math.floor(start + (index / count) * 30 * day);
    const down = outages.some((o) => startedAt >= o.from && startedAt < o.to);
    logged.push(oneRequest(`syn-${index}`, startedAt, down, next));
  }
  return logged;
}

function oneRequest(requestId: string, startedAt: number, primaryDown: boolean, next: () => number): LoggedRequest {
  const pick = <T>(items: readonly T[], skew = 1) => items[Math.floor(next() ** skew * items.length)] as T;
  const attempts: AttemptRecordRow[] = [];
  let at = startedAt;
  let answeredBy: (typeof models)[number] | undefined;
  for (const model of models) {
    const skipped = primaryDown && model === "claude" && next() < 0.8;
    const fails = !skipped && ((primaryDown && model === "claude") || next() < (model === "claude" ? 0.03 : 0.02));
    const durationMs = skipped ? 0 : Math.round(fails ? 200 + next() * 800 : 400 + -Math.log(1 - next()) * 900);
    const usage = {
      inputTokens: 800,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: fails ? 0 : 200,
      reasoningTokens: 0,
      estimated: fails,
    };
    const [input, output] = prices[model];
    attempts.push({
      requestId,
      seq: attempts.length,
      startedAt: at,
      model,
      provider: providers[model],
      modelId: model,
      attempt: 1,
      outcome: skipped ? "skipped" : fails ? "failure" : "success",
      ...(skipped ? { skipReason: "open" as const } : {}),
      ...(fails ? { kind: "overloaded" as const, status: 529, message: "Overloaded" } : {}),
      waitedMs: 0,
      durationMs,
      ...(fails || skipped ? {} : { firstTokenMs: Math.round(durationMs / 4) }),
      probe: false,
      fellBack: fails,
      hedge: false,
      ...(skipped ? {} : { usage, cost: (800 * input + usage.outputTokens * output) / 1e6 }),
    });
    at += durationMs;
    if (!skipped && !fails) {
      answeredBy = model;
      break;
    }
  }
  const calls = attempts.filter((a) => a.outcome !== "skipped");
  const cost = calls.reduce((sum, a) => sum + (a.cost ?? 0), 0);
  const wasted = calls.filter((a) => a.outcome === "failure").reduce((sum, a) => sum + (a.cost ?? 0), 0);
  const captured = next() < 0.02;
  return {
    record: {
      requestId,
      startedAt,
      durationMs: at - startedAt,
      chain: "support",
      method: "stream",
      models: [...models],
      tags: { feature: pick(features, 2), tenant: pick(tenants, 3) },
      outcome: answeredBy ? "success" : "exhausted",
      ...(answeredBy
        ? { model: answeredBy, provider: providers[answeredBy], modelId: answeredBy, finishReason: "stop" as const }
        : {
            errorName: "FallbackExhaustedError",
            errorKind: "overloaded" as const,
            exhaustedReason: "all_failed" as const,
            errorMessage: "every model failed",
          }),
      calls: calls.length,
      skips: attempts.length - calls.length,
      retries: 0,
      fallbacks: calls.filter((a) => a.fellBack).length,
      resets: 0,
      hedges: 0,
      hedgesWon: 0,
      ...(answeredBy ? { firstTokenMs: Math.round((at - startedAt) / 3) } : {}),
      usage: {
        inputTokens: 800 * calls.length,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 200,
        reasoningTokens: 0,
        estimated: false,
      },
      cost: { answer: cost - wasted, wasted, total: cost, complete: true },
      ...(captured ? { prompt: `{"messages":[{"role":"user","content":"question ${Math.floor(next() * 30)}"}]}` } : {}),
      ...(captured && answeredBy ? { answer: `${answeredBy} answers: ${"lorem ipsum ".repeat(20)}` } : {}),
    },
    attempts,
  };
}
