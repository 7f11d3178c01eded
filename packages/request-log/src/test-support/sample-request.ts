import type { LoggedRequest } from "../records/request-log-batch.ts";

const usage = {
  inputTokens: 120,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 40,
  reasoningTokens: 0,
  estimated: false,
};

/** A typical request: a 529 on the primary, answered by the backup. */
export function sampleRequest(
  requestId: string,
  startedAt: number,
  tags: Record<string, string> = { feature: "chat" },
): LoggedRequest {
  const call = { requestId, provider: "scripted", probe: false, hedge: false, waitedMs: 0 };
  return {
    record: {
      requestId,
      startedAt,
      durationMs: 420,
      chain: "default",
      method: "generate",
      models: ["scripted:primary", "scripted:backup"],
      tags,
      outcome: "success",
      model: "scripted:backup",
      provider: "scripted",
      modelId: "backup",
      finishReason: "stop",
      calls: 2,
      skips: 0,
      retries: 0,
      fallbacks: 1,
      resets: 0,
      hedges: 0,
      hedgesWon: 0,
      usage,
      cost: { answer: 0.0002, wasted: 0, total: 0.0002, complete: true },
    },
    attempts: [
      {
        ...call,
        seq: 0,
        startedAt,
        model: "scripted:primary",
        modelId: "primary",
        attempt: 1,
        outcome: "failure",
        kind: "overloaded",
        status: 529,
        durationMs: 20,
        fellBack: true,
      },
      {
        ...call,
        seq: 1,
        startedAt: startedAt + 20,
        model: "scripted:backup",
        modelId: "backup",
        attempt: 1,
        outcome: "success",
        durationMs: 400,
        fellBack: false,
        usage,
        cost: 0.0002,
        finishReason: "stop",
      },
    ],
  };
}
