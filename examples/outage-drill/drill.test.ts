import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SqliteRequestLogReader } from "@understudy/request-log";
import { afterAll, describe, expect, it } from "vitest";
import { type DrillRun, drillModels } from "./drill.ts";
import type { DrillLogFiles } from "./drill-log.ts";
import type { DrillSummary } from "./summary.ts";

const run = promisify(execFile);

interface DrillJson extends DrillRun {
  readonly summary: DrillSummary;
  readonly log: DrillLogFiles;
}

const logDir = mkdtempSync(join(tmpdir(), "understudy-drill-"));
afterAll(() => rmSync(logDir, { recursive: true, force: true }));

// The demo as a user runs it, in --json mode, with short phases (about 5 s of real time).
async function runDemo(): Promise<{ json: DrillJson; exitCode: number }> {
  const main = fileURLToPath(new URL("./main.ts", import.meta.url));
  const args = [
    "--conditions=@understudy/source",
    main,
    "--json",
    "--healthy-ms",
    "800",
    "--spike-ms",
    "600",
    "--outage-ms",
    "2400",
    "--recovery-ms",
    "1500",
    "--rate",
    "15",
    "--log-dir",
    logDir,
  ];
  const { stdout } = await run(process.execPath, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return { json: JSON.parse(stdout) as DrillJson, exitCode: 0 };
}

describe("pnpm demo --json", () => {
  it("answers every request, and its summary agrees with the fault server's own log", { timeout: 60_000 }, async () => {
    const { json } = await runDemo();
    const { summary, serverLog, phases } = json;
    const window = (name: string) => phases.find((p) => p.name === name) ?? { from: 0, to: 0 };
    const served = (model: string) => serverLog.filter((entry) => entry.model === model && entry.status === 200).length;

    // Every request answered, and each answer is a 200 the server sent.
    expect(summary.unanswered).toBe(0);
    expect(summary.answered).toBe(summary.requests);
    expect(summary.answeredBy.claude ?? 0).toBe(served(drillModels.primary));
    expect(summary.answeredBy.gpt ?? 0).toBe(served(drillModels.backup));
    expect(summary.answeredBy.gemini ?? 0).toBe(served(drillModels.lastResort));
    expect(Object.keys(summary.answeredBy).sort()).toEqual(["claude", "gemini", "gpt"]);

    // Three providers, three wire formats: each model is called on its own provider's.
    expect(new Set(serverLog.map((e) => `${e.model} ${e.provider}`))).toEqual(
      new Set([`${drillModels.primary} anthropic`, `${drillModels.backup} openai`, `${drillModels.lastResort} gemini`]),
    );

    // When the backup browns out late in the outage, Gemini, the last resort, answers on the Gemini wire format.
    const outageWindow = window("primary outage");
    const brownOut = serverLog.filter(
      (e) => e.model === drillModels.backup && e.status === 500 && e.time >= outageWindow.from && e.time < outageWindow.to,
    );
    expect(brownOut.length).toBeGreaterThan(0);
    const geminiInOutage = serverLog.filter(
      (e) => e.provider === "gemini" && e.time >= outageWindow.from && e.time < outageWindow.to,
    );
    expect(geminiInOutage.length).toBeGreaterThan(0);
    expect(geminiInOutage.every((e) => e.model === drillModels.lastResort && e.status === 200)).toBe(true);
    expect(Math.min(...geminiInOutage.map((e) => e.time))).toBeGreaterThanOrEqual(Math.min(...brownOut.map((e) => e.time)));

    // The breaker cut the primary's calls during the outage: the server saw far fewer than the requests sent.
    const outage = window("primary outage");
    const primaryDuringOutage = serverLog.filter(
      (e) => e.model === drillModels.primary && e.time >= outage.from && e.time < outage.to,
    );
    expect(primaryDuringOutage.every((e) => e.status === 529)).toBe(true);
    expect(Math.abs(primaryDuringOutage.length - summary.primaryCallsDuringOutage)).toBeLessThanOrEqual(1);
    expect(primaryDuringOutage.length).toBeLessThan(summary.requestsDuringOutage / 2);

    // Traffic returned to the primary after recovery: the server's last requests are primary 200s.
    const recovery = window("recovery");
    const afterRecovery = serverLog.filter((e) => e.time >= recovery.from + 700);
    expect(afterRecovery.length).toBeGreaterThan(0);
    expect(afterRecovery.every((e) => e.model === drillModels.primary && e.status === 200)).toBe(true);
    expect(summary.primaryAnswersAfterRecovery).toBeGreaterThan(0);

    // Every request is on record, by phase, with who answered it; and the report was made from the log.
    expect(json.log).toEqual({ database: join(logDir, "requests.db"), report: join(logDir, "report.html") });
    const reader = new SqliteRequestLogReader(json.log.database);
    try {
      const logged = await reader.summary();
      expect(logged).toMatchObject({ requests: summary.requests, dropped: 0 });
      expect(logged.outcomes.success).toBe(summary.answered);
      const byModel = await reader.requestsOverTime({ bucketMs: 3_600_000 });
      for (const model of ["claude", "gpt", "gemini"]) {
        const answered = byModel.filter((b) => b.model === model).reduce((sum, b) => sum + b.requests, 0);
        expect(answered).toBe(summary.answeredBy[model] ?? 0);
      }
      expect((await reader.summary({ tags: { phase: "primary outage" } })).requests).toBe(summary.requestsDuringOutage);
      expect((await reader.fallbackRates()).map((rate) => rate.model)).toContain("claude");
      // The cues recur, so the primary's and the backups' answers to the same prompt sit side by side.
      const [comparison] = await reader.answerComparisons({ limit: 1 });
      expect(comparison?.answers.map((answer) => answer.model)).toContain("claude");
      expect(comparison?.answers.length).toBeGreaterThan(1);
    } finally {
      await reader.close();
    }
    expect(existsSync(json.log.report)).toBe(true);
    expect(readFileSync(json.log.report, "utf8")).toContain("requests.db (pnpm demo)");
  });
});
