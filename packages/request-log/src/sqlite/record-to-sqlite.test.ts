import { createFallback } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { recordRequests } from "../recording/record-requests.ts";
import { useTempDir } from "../test-support/temp-files.ts";
import { SqliteRequestLogReader } from "./sqlite-reader.ts";
import { SqliteSink } from "./sqlite-sink.ts";

const tempPath = useTempDir();
const request = { messages: [{ role: "user" as const, content: "hi" }] };

describe("a chain recorded into SQLite", () => {
  it("chain.close() leaves every request in the file, as the chain told it", async () => {
    const path = tempPath();
    const primary = scriptedModel({ modelId: "primary", script: [{ error: "overloaded", status: 529 }] });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({
      models: [
        { model: primary, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 } },
        { model: backup, price: { inputPerMillion: 1, outputPerMillion: 2 } },
      ],
    });
    const recording = recordRequests(chat, new SqliteSink(path), { chain: "support", flushIntervalMs: 60_000 });
    const results = [];
    for (const feature of ["chat", "search", "chat"]) results.push(await chat.generate(request, { tags: { feature } }));
    await chat.close();
    expect(recording.stats()).toEqual({ written: 3, failed: 0, dropped: 0, pending: 0 });

    const reader = new SqliteRequestLogReader(path);
    try {
      const first = await reader.request(results[0]?.requestId ?? "");
      expect(first?.record).toMatchObject({ chain: "support", outcome: "success", model: "scripted:backup", fallbacks: 1 });
      expect(first?.attempts.map((a) => [a.model, a.outcome, a.kind, a.status])).toEqual([
        ["scripted:primary", "failure", "overloaded", 529],
        ["scripted:backup", "success", undefined, undefined],
      ]);
      // The breaker opened: the next two requests skipped the primary.
      expect(await reader.unavailablePeriods()).toMatchObject([{ model: "scripted:primary", skips: 2, reasons: ["open"] }]);
      expect(await reader.fallbackRates()).toEqual([
        { model: "scripted:primary", reason: "overloaded", fallbacks: 1, requests: 1, rate: 1 },
      ]);
      expect((await reader.summary({ tags: { feature: "chat" } })).requests).toBe(2);
      const spend = await reader.spendByModel();
      expect(spend.find((s) => s.model === "scripted:backup")?.answered.cost).toBeCloseTo(
        results.reduce((sum, r) => sum + r.cost.answer, 0),
        12,
      );
    } finally {
      await reader.close();
    }
  });
});
