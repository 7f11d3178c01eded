import { describe, expect, it } from "vitest";
import { redisServerAvailable, startTestRedis } from "../../packages/redis/src/test-support/redis-server.ts";
import { drillModels } from "./drill.ts";
import { primaryCallsInOutage, runReplicaDrills } from "./replicas.ts";

describe.runIf(redisServerAvailable())("the drill across replica processes (pnpm demo --replicas N --redis URL)", () => {
  it("answers every request, and shared health spares the dead primary calls that replicas alone make", async () => {
    const redis = await startTestRedis();
    try {
      const options = { healthyMs: 400, spikeMs: 300, outageMs: 2_400, recoveryMs: 600, rate: 10 };
      const [alone, shared] = await runReplicaDrills(options, 2, redis.url);
      if (!alone || !shared) throw new Error("expected two runs");

      for (const run of [alone, shared]) {
        const outcomes = run.replicas.flatMap((replica) => replica.outcomes);
        expect(outcomes.filter((outcome) => outcome.model === undefined)).toEqual([]);
        expect(run.replicas.flatMap((replica) => replica.warnings)).toEqual([]);
        // The replicas reach the parent's fault server on all three wire formats, Gemini's included.
        expect(new Set(run.serverLog.map((e) => e.provider))).toEqual(new Set(["anthropic", "openai", "gemini"]));
        expect(run.serverLog.some((e) => e.model === drillModels.lastResort && e.status === 200)).toBe(true);
      }
      // Alone, each replica pays its own failures to open its breaker and probes on its own.
      expect(primaryCallsInOutage(shared)).toBeLessThan(primaryCallsInOutage(alone));
    } finally {
      await redis.kill();
    }
  }, 60_000);
});
