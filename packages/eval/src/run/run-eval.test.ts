import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFallback, type Fallback, type ModelAdapter } from "@understudy/core";
import { type ScriptStep, scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { agreesWithPrimary } from "../checks/agrees-with-primary.ts";
import { judge } from "../checks/judge.ts";
import { contains, custom } from "../checks/text-checks.ts";
import { formatRun } from "../report/format-run.ts";
import { defineEval, type EvalOptions } from "../suite/define-eval.ts";
import type { EvalPrompt } from "../suite/eval-prompt.ts";
import { isEvalSuiteError } from "../suite/eval-suite-error.ts";
import { estimateCost } from "./cost-estimate.ts";
import { runEval } from "./run-eval.ts";

const promptsOf = (count: number): EvalPrompt[] =>
  Array.from({ length: count }, (_, index) => ({
    id: `p${index + 1}`,
    request: { messages: [{ role: "user", content: `Question ${index + 1}: what is x?` }], maxTokens: 100 },
  }));

function suiteOf(models: readonly ModelAdapter[], options: Partial<EvalOptions> = {}) {
  const chain = createFallback({
    models: models.map((model, index) => ({
      model,
      id: `m${index}`,
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
      price: { inputPerMillion: 1_000, outputPerMillion: 1_000 },
    })),
  });
  return defineEval({ name: "unit", chain, prompts: promptsOf(4), ...options });
}

const tempFile = async () => join(await mkdtemp(join(tmpdir(), "eval-run-")), "results.jsonl");

describe("runEval", () => {
  it("runs every prompt on each model on its own, without falling over", async () => {
    const primary = scriptedModel({ modelId: "primary", default: { text: "x is 1" } });
    const backup = scriptedModel({
      modelId: "backup",
      script: (call) => (call === 2 ? { error: "server" } : { text: "x is 2" }),
    });
    const run = await runEval(suiteOf([primary, backup], { checks: [contains("x is 1")] }));
    expect(primary.calls).toHaveLength(4);
    // Its retry policy applies: the failed call is retried on the backup itself, never on the primary.
    expect(backup.calls).toHaveLength(5);
    expect(run.models.map((model) => [model.model, model.passed, model.failed, model.errors])).toEqual([
      ["m0", 4, 0, 0],
      ["m1", 0, 4, 0],
    ]);
    expect(run.outcomes.find((outcome) => outcome.model === "m1" && outcome.attempts === 2)).toBeDefined();
    expect(run.regressions.map((regression) => regression.promptId)).toEqual(["p1", "p2", "p3", "p4"]);
    expect(run.regressions[0]).toMatchObject({ model: "m1", primaryAnswer: "x is 1", answer: "x is 2" });
    expect(primary.calls[0]?.method).toBe("stream");
  });

  it("keeps at most `concurrency` calls in flight, across prompts and models", async () => {
    let most = 0;
    const models: ReturnType<typeof scriptedModel>[] = [];
    const script = (): ScriptStep => {
      most = Math.max(
        most,
        models.reduce((sum, model) => sum + model.inFlight, 0),
      );
      return { delayMs: 10, text: "ok" };
    };
    for (const modelId of ["a", "b", "c"]) models.push(scriptedModel({ modelId, script }));
    const run = await runEval(suiteOf(models, { concurrency: 2, prompts: promptsOf(6) }));
    expect(run.outcomes).toHaveLength(18);
    expect(most).toBe(2);
  });

  it("stops starting calls once the spent cost reaches maxCost, and says so", async () => {
    // 10 tokens in and 1 out at 1000 per million: 0.011 a call. The suite has no prices: the estimate is 0.
    const model = scriptedModel({ modelId: "a", default: { text: "ok" } });
    const run = await runEval(suiteOf([model], { maxCost: 0.03, concurrency: 1 }));
    expect(run.estimate.unpriced).toEqual(["m0"]);
    expect(model.calls).toHaveLength(3);
    expect(run).toMatchObject({ stopped: "max-cost", notRun: 1 });
    expect(run.spent).toBeCloseTo(0.033);
    expect(run.models[0]?.costComplete).toBe(true);
  });

  it("resumes from the results file: a line cut by a crash is ignored with a warning, and only its pair runs again", async () => {
    const file = await tempFile();
    const first = [scriptedModel({ modelId: "a", default: { text: "x is 1" } }), scriptedModel({ modelId: "b" })];
    await runEval(suiteOf(first, { checks: [contains("x is")] }), { resultsFile: file });
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(9); // the header, then a record per pair
    const cut = lines.at(-1) ?? "";
    const lost = JSON.parse(cut) as { promptId: string; model: string };
    await writeFile(file, `${lines.slice(0, -1).join("\n")}\n${cut.slice(0, cut.length / 2)}`);

    const again = [scriptedModel({ modelId: "a", default: { text: "x is 1" } }), scriptedModel({ modelId: "b" })];
    const run = await runEval(suiteOf(again, { checks: [contains("x is")] }), { resultsFile: file });
    const called = again.flatMap((model, index) => model.calls.map(() => `m${index}`));
    expect(called).toEqual([lost.model]);
    expect(run.warnings).toEqual([expect.stringMatching(/:9: ignored a truncated last line/)]);
    expect(run.outcomes).toHaveLength(8);
    expect(run.outcomes.filter((outcome) => !outcome.resumed).map((outcome) => [outcome.promptId, outcome.model])).toEqual([
      [lost.promptId, lost.model],
    ]);
    expect(run.models.map((model) => model.passed)).toEqual([4, 0]);
    // The new record stands on a line of its own: a third run calls nothing.
    const third = [scriptedModel({ modelId: "a" }), scriptedModel({ modelId: "b" })];
    const last = await runEval(suiteOf(third, { checks: [contains("x is")] }), { resultsFile: file });
    expect(third.flatMap((model) => model.calls)).toHaveLength(0);
    expect(last.warnings).toEqual([expect.stringMatching(/:9: ignored a corrupt line/)]);
    expect(last.models.map((model) => model.passed)).toEqual([4, 0]);
  });

  it("runs a prompt again when its request changed", async () => {
    const file = await tempFile();
    await runEval(suiteOf([scriptedModel({ modelId: "a" })]), { resultsFile: file });
    const model = scriptedModel({ modelId: "a" });
    const prompts = promptsOf(4).map((prompt, index) =>
      index === 0 ? { ...prompt, request: { ...prompt.request, maxTokens: 5 } } : prompt,
    );
    await runEval(suiteOf([model], { prompts }), { resultsFile: file });
    expect(model.calls.map((call) => call.request.maxTokens)).toEqual([5]);
  });

  it("settles cleanly when aborted: calls in flight are cancelled, what was done is kept", async () => {
    const model = scriptedModel({ modelId: "a", script: (call) => (call === 1 ? { text: "x" } : { hang: true }) });
    const controller = new AbortController();
    const run = runEval(suiteOf([model], { concurrency: 1 }), {
      signal: controller.signal,
      onProgress: () => setTimeout(() => controller.abort(), 20),
    });
    const result = await run;
    expect(result).toMatchObject({ stopped: "aborted", notRun: 3 });
    expect(result.outcomes).toHaveLength(1);
    expect(model.inFlight).toBe(0);
  });

  it("a backup's agreement check waits for the primary's answer", async () => {
    const primary = scriptedModel({ modelId: "slow", default: { delayMs: 40, text: "the answer is 42" } });
    const backup = scriptedModel({ modelId: "fast", default: { text: "the answer is 42" } });
    const run = await runEval(suiteOf([primary, backup], { checks: [agreesWithPrimary({ min: 0.9 })] }));
    const backups = run.outcomes.filter((outcome) => outcome.position === 1);
    expect(backups.map((outcome) => outcome.checks)).toEqual(
      Array(4).fill([{ check: "agrees-with-primary", pass: true, reason: "token F1 1 ≥ 0.9" }]),
    );
    expect(run.models[0]?.checks).toEqual([]);
  });

  it("a check that throws fails with its message; the run goes on", async () => {
    const boom = custom("boom", () => {
      throw new Error("boom");
    });
    const run = await runEval(suiteOf([scriptedModel({ modelId: "a" })], { checks: [boom, contains("ok")] }));
    expect(run.outcomes).toHaveLength(4);
    expect(run.outcomes[0]?.checks).toEqual([
      { check: "boom", pass: false, reason: "the check threw: boom" },
      { check: "contains:ok", pass: true, reason: 'contains "ok"' },
    ]);
  });

  it("counts refusals and errors apart, and gates on thresholds", async () => {
    const primary = scriptedModel({ modelId: "a", default: { text: "fine" } });
    const backup = scriptedModel({
      modelId: "b",
      script: (call) =>
        call === 1
          ? { text: "I'm sorry, but I can't help with that." }
          : call === 2
            ? { text: "", finishReason: "content-filter" }
            : call <= 4
              ? { error: "invalid_request" }
              : { text: "fine" },
    });
    const run = await runEval(suiteOf([primary, backup], { concurrency: 1, thresholds: { m1: 0.5 } }));
    expect(run.models[1]).toMatchObject({ refusals: 2, errors: 2, passed: 2, failed: 0, passRate: 0.5, belowThreshold: false });
    expect(run.thresholdsMet).toBe(true);
    const strict = await runEval(suiteOf([primary, backup], { thresholds: 0.9, prompts: promptsOf(1) }));
    expect(strict.models.map((model) => model.belowThreshold)).toEqual([false, false]);
  });
  it("defineEval refuses a prompt written in code that the chain would refuse (no negative estimate)", () => {
    const prompts = promptsOf(2).map((prompt, index) =>
      index === 1 ? { ...prompt, request: { ...prompt.request, maxTokens: -1000 } } : prompt,
    );
    let error: unknown;
    try {
      suiteOf([scriptedModel({ modelId: "a" })], { prompts });
    } catch (failure) {
      error = failure;
    }
    expect(isEvalSuiteError(error) && error.code).toBe("config");
    expect(String(error)).toMatch(/prompts\[1\]\.request \(prompt "p2"\) request\.maxTokens: must be a whole number/);
  });

  it("refuses to start when the estimate is above maxCost, naming it", async () => {
    const suite = suiteOf([scriptedModel({ modelId: "a" })], {
      maxCost: 0.0001,
      prices: { m0: { inputPerMillion: 1, outputPerMillion: 1 } },
    });
    // A token per four characters in (23 characters: 6 tokens) and maxTokens out, for each of 4 prompts.
    expect(estimateCost(suite).models).toEqual([{ model: "m0", calls: 4, inputTokens: 24, outputTokens: 400, cost: 0.000424 }]);
    const error = await runEval(suite).catch((failure: unknown) => failure);
    expect(isEvalSuiteError(error) && error.code).toBe("cost-cap");
    expect(String(error)).toContain("raise maxCost");
  });
});

describe("runEval: the cost cap, judges, failures and resuming", () => {
  const paris = (modelId = "a") => scriptedModel({ modelId, default: { text: "Paris" } });
  /** A judge whose every call costs a known amount: 10 tokens in, 5 out, at 1000 per million. */
  const pricedJudge = (judgeModel: ModelAdapter): Fallback =>
    createFallback({
      models: [{ model: judgeModel, price: { inputPerMillion: 1_000, outputPerMillion: 1_000 } }],
    });
  const judgeScript = { text: '{"score": 1, "reason": "good"}', usage: { inputTokens: 10, outputTokens: 5 } };
  const unpricedSuite = (model: ModelAdapter, options: Partial<EvalOptions> = {}) =>
    defineEval({
      name: "cap",
      chain: createFallback({ models: [{ id: "m0", model }] }),
      prompts: promptsOf(10),
      concurrency: 1,
      ...options,
    });

  it("holds maxCost for judges of resumed answers: no judge call starts past the cap, and the pairs not judged are not run", async () => {
    const file = await tempFile();
    await runEval(
      unpricedSuite(paris(), {
        checks: [judge({ judge: pricedJudge(scriptedModel({ modelId: "j", default: judgeScript })), rubric: "r1" })],
      }),
      {
        resultsFile: file,
      },
    );
    // The rubric changed: every stored answer must be judged again, and only the judge costs money (0.015 a call).
    const judgeModel = scriptedModel({ modelId: "j", default: judgeScript });
    const model = paris();
    const run = await runEval(
      unpricedSuite(model, { maxCost: 0.04, checks: [judge({ judge: pricedJudge(judgeModel), rubric: "r2 edited" })] }),
      { resultsFile: file },
    );
    expect(model.calls).toHaveLength(0);
    expect(judgeModel.calls).toHaveLength(3);
    expect(run.spent).toBeCloseTo(0.045);
    expect(run.judgeCost).toBeCloseTo(0.045);
    expect(run).toMatchObject({ stopped: "max-cost", notRun: 7 });
    expect(run.outcomes).toHaveLength(3);
    expect(run.outcomes.every((outcome) => outcome.checks.some((verdict) => verdict.reason.startsWith("judge 1")))).toBe(true);
    expect(run.models[0]).toMatchObject({ passed: 3, failed: 0 });
  });

  it("stores only the verdicts a judge gave: a judge that failed is asked again on resume", async () => {
    const file = await tempFile();
    const failing = scriptedModel({ modelId: "j", default: { error: "invalid_request" } });
    const first = await runEval(
      unpricedSuite(paris(), { prompts: promptsOf(1), checks: [judge({ judge: failing, rubric: "r", min: 0.5 })] }),
      {
        resultsFile: file,
      },
    );
    expect(first.outcomes[0]?.checks[0]).toMatchObject({ pass: false, reason: expect.stringMatching(/^the check threw/) });
    const healthy = scriptedModel({ modelId: "j", default: judgeScript });
    const model = paris();
    const second = await runEval(
      unpricedSuite(model, { prompts: promptsOf(1), checks: [judge({ judge: healthy, rubric: "r", min: 0.5 })] }),
      {
        resultsFile: file,
      },
    );
    expect(model.calls).toHaveLength(0);
    expect(healthy.calls).toHaveLength(1);
    expect(second.outcomes[0]).toMatchObject({ resumed: true, passed: true, checks: [{ check: "judge", pass: true }] });
  });

  it("a run that fails (onProgress throws) rejects, and starts nothing more: calls in flight are cancelled", async () => {
    const model = scriptedModel({ modelId: "a", default: { delayMs: 15, text: "ok" } });
    const suite = unpricedSuite(model, { prompts: promptsOf(20), concurrency: 2 });
    const failure = await runEval(suite, {
      onProgress: ({ done }) => {
        if (done === 1) throw new Error("progress callback bug");
      },
    }).catch((error: unknown) => error);
    expect(String(failure)).toContain("progress callback bug");
    const calls = model.calls.length;
    expect(model.inFlight).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(model.calls).toHaveLength(calls);
    expect(calls).toBeLessThanOrEqual(3);
  });

  it("a stream cut after content came counts its attempt; one cut by the content filter is a refusal", async () => {
    const model = scriptedModel({
      modelId: "a",
      script: (call) =>
        call === 1
          ? { text: "here is how to do it", afterChunks: 2, error: "content_filter" }
          : { text: "partial answer that breaks", afterChunks: 2, error: "server" },
    });
    const chain = createFallback({ midStream: "error", models: [{ id: "m0", model, retry: { maxAttempts: 1 } }] });
    const run = await runEval(defineEval({ name: "cut", chain, prompts: promptsOf(2), concurrency: 1 }));
    expect(run.outcomes.map((outcome) => [outcome.status, outcome.refused, outcome.attempts])).toEqual([
      ["answered", true, 1],
      ["error", false, 1],
    ]);
    expect(run.models[0]).toMatchObject({ refusals: 1, errors: 1 });
  });

  it("runs a pair again when its chain id now points at another provider's model", async () => {
    const file = await tempFile();
    await runEval(unpricedSuite(scriptedModel({ modelId: "old-model" }), { prompts: promptsOf(2) }), { resultsFile: file });
    const same = scriptedModel({ modelId: "old-model" });
    await runEval(unpricedSuite(same, { prompts: promptsOf(2) }), { resultsFile: file });
    expect(same.calls).toHaveLength(0);
    const renamed = scriptedModel({ modelId: "new-model" });
    await runEval(unpricedSuite(renamed, { prompts: promptsOf(2) }), { resultsFile: file });
    expect(renamed.calls).toHaveLength(2);
    const otherProvider = scriptedModel({ modelId: "new-model", provider: "elsewhere" });
    await runEval(unpricedSuite(otherProvider, { prompts: promptsOf(2) }), { resultsFile: file });
    expect(otherProvider.calls).toHaveLength(2);
  });

  it("refuses a file that is not a results file, and leaves it as it was", async () => {
    const file = await tempFile();
    const prompts = '{"id": "a", "prompt": "hi"}\n';
    await writeFile(file, prompts);
    const model = paris();
    const error = await runEval(unpricedSuite(model), { resultsFile: file }).catch((failure: unknown) => failure);
    expect(isEvalSuiteError(error) && error.code).toBe("results-file");
    expect(String(error)).toContain("is not a results file");
    expect(model.calls).toHaveLength(0);
    expect(await readFile(file, "utf8")).toBe(prompts);
  });

  it("ignores records of the wrong shape with one warning for them all; a record without checks does not crash", async () => {
    const file = await tempFile();
    await runEval(unpricedSuite(paris(), { prompts: promptsOf(2) }), { resultsFile: file });
    const [header, ...records] = (await readFile(file, "utf8")).trimEnd().split("\n");
    const broken = records.map((line) => JSON.stringify({ ...JSON.parse(line), checks: null }));
    const junk = Array.from({ length: 500 }, () => '{"v": 1, "promptId": "p1"}');
    await writeFile(file, `${[header, ...broken, ...junk].join("\n")}\n`);
    const model = paris();
    const run = await runEval(unpricedSuite(model, { prompts: promptsOf(2) }), { resultsFile: file });
    expect(model.calls).toHaveLength(2);
    expect(run.warnings).toEqual([
      expect.stringMatching(/ignored 502 lines that are not records \(lines 2, 3, 4, 5, 6, and 497 more\)/),
    ]);
  });

  it("estimates only the pairs left to do on resume, and tells it before the first call", async () => {
    const file = await tempFile();
    const prices = { m0: { inputPerMillion: 1, outputPerMillion: 1 } };
    await runEval(unpricedSuite(paris(), { prompts: promptsOf(2), prices }), { resultsFile: file });
    const told: number[] = [];
    const run = await runEval(unpricedSuite(paris(), { prompts: promptsOf(5), prices }), {
      resultsFile: file,
      onEstimate: (estimate) => told.push(estimate.models[0]?.calls ?? -1),
    });
    expect(told).toEqual([3]);
    expect(run.estimate.models[0]?.calls).toBe(3);
  });

  it("latency percentiles are of answers only: a call that failed at once does not pull them down", async () => {
    const model = scriptedModel({
      modelId: "a",
      script: (call) => (call === 1 ? { delayMs: 30, text: "ok" } : { error: "invalid_request" }),
    });
    const run = await runEval(unpricedSuite(model, { prompts: promptsOf(3) }));
    expect(run.models[0]).toMatchObject({ passed: 1, errors: 2 });
    expect(run.models[0]?.latencyP50Ms).toBeGreaterThanOrEqual(25);
  });

  it("an interrupted run is not called below its threshold for its pass rate: it says it was interrupted", async () => {
    const model = scriptedModel({ modelId: "a", script: (call) => (call <= 3 ? { text: "ok" } : { hang: true }) });
    const controller = new AbortController();
    const run = await runEval(unpricedSuite(model, { prompts: promptsOf(5), thresholds: 0.5, checks: [contains("ok")] }), {
      signal: controller.signal,
      onProgress: ({ done }) => {
        if (done === 3) setTimeout(() => controller.abort(), 10);
      },
    });
    expect(run.models[0]).toMatchObject({ passed: 3, passRate: 1, belowThreshold: true });
    const text = formatRun(run);
    expect(text).not.toContain("BELOW");
    expect(text).toContain(
      "m0: pass rate 100% over the pairs run; the run was interrupted, so its threshold 50% is not shown met",
    );
  });
});
