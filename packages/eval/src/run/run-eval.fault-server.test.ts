import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import { FaultServer } from "@understudy/testing";
import { afterEach, describe, expect, it } from "vitest";
import { checks } from "../checks/checks.ts";
import { runJson } from "../cli/eval-command.ts";
import { toEvalSection } from "../report/eval-section.ts";
import { defineEval } from "../suite/define-eval.ts";
import { threePrompts, threeProviderChain } from "../test-support/three-providers.ts";
import { runEval } from "./run-eval.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("runEval over the real adapters on the fault server", () => {
  it("measures each provider's path on its own: a broken schema, a skipped tool call, a refusal", async () => {
    const { server, chain } = await threeProviderChain();
    closers.push(() => chain.close());
    const suite = defineEval({
      name: "e2e",
      chain,
      prompts: threePrompts,
      checks: [checks.agreesWithPrimary({ min: 0.6 })],
      thresholds: { gpt: 0.9 },
      prices: { claude: { inputPerMillion: 3, outputPerMillion: 15 }, gpt: { inputPerMillion: 0.4, outputPerMillion: 1.6 } },
    });
    const withPromptChecks = defineEval({
      ...suite,
      prompts: threePrompts.map((prompt) => ({
        ...prompt,
        checks: [
          prompt.id === "order"
            ? checks.jsonSchema()
            : prompt.id === "weather"
              ? checks.toolCall("get_weather")
              : checks.contains("60 days"),
        ],
      })),
    });
    const run = await runEval(withPromptChecks);

    // Each model was asked every prompt once, in its own wire format, and nothing fell over to another.
    const asked = (model: string) => server.requestsFor(model).length;
    expect([asked("claude-sonnet-4-6"), asked("gpt-4.1-mini"), asked("gemini-2.5-flash")]).toEqual([3, 3, 3]);
    expect(run.estimate.unpriced).toEqual(["gemini"]);

    const [claude, gpt, gemini] = run.models;
    expect(claude).toMatchObject({
      model: "claude",
      position: 0,
      passed: 3,
      failed: 0,
      errors: 0,
      refusals: 0,
      costComplete: true,
    });
    expect(gpt).toMatchObject({ model: "gpt", passed: 2, failed: 1, refusals: 0, threshold: 0.9, belowThreshold: true });
    expect(gemini).toMatchObject({ model: "gemini", passed: 1, failed: 2, errors: 0, refusals: 1, costComplete: false });
    expect(run.thresholdsMet).toBe(false);
    for (const model of run.models) {
      expect(model.firstTokenP50Ms).toBeGreaterThan(0);
      expect(model.latencyP95Ms).toBeGreaterThanOrEqual(model.latencyP50Ms ?? 0);
      expect(model.inputTokens).toBeGreaterThan(0);
    }
    expect(claude?.cost).toBeGreaterThan(0);
    expect(gpt?.checks).toEqual([
      { check: "agrees-with-primary", passed: 2, total: 3 },
      { check: "json-schema", passed: 0, total: 1 },
      { check: "tool-call:get_weather", passed: 1, total: 1 },
      { check: "contains:60 days", passed: 1, total: 1 },
    ]);

    expect(
      run.regressions.map((regression) => [regression.promptId, regression.model, regression.failedChecks.map((f) => f.check)]),
    ).toEqual([
      ["order", "gpt", ["agrees-with-primary", "json-schema"]],
      ["weather", "gemini", ["agrees-with-primary", "tool-call:get_weather"]],
      ["returns", "gemini", ["agrees-with-primary", "contains:60 days"]],
    ]);
    expect(run.regressions[0]?.failedChecks[1]?.reason).toBe("answer/quantity must be integer");
    expect(run.regressions[1]).toMatchObject({ primaryAnswer: 'get_weather({"city":"Lyon"})', answer: "Take an umbrella." });

    const section = toEvalSection(run);
    expect(section).toMatchObject({ name: "e2e", prompts: 3, ranAt: run.finishedAt });
    expect(section.models).toBe(run.models);
    expect(JSON.parse(JSON.stringify(section))).toEqual(section);
  });

  it("survives a model whose tool-call arguments nest deeper than JSON.stringify can go: stored, resumed, printed", async () => {
    const server = await FaultServer.start();
    const depth = 20_000;
    server.script("gpt-deep", () => ({
      toolCalls: [{ name: "get_weather", argsText: `${"[".repeat(depth)}${"]".repeat(depth)}` }],
    }));
    const chain = createFallback({
      models: [{ id: "deep", model: openai("gpt-deep", { apiKey: "not-a-real-key", baseURL: server.openaiBaseURL }) }],
    });
    chain.onClose(() => server.close());
    closers.push(() => chain.close());
    const suite = defineEval({
      name: "deep",
      chain,
      prompts: [threePrompts[1]].flatMap((prompt) => (prompt ? [prompt] : [])),
      checks: [checks.toolCall("get_weather")],
    });
    const resultsFile = join(await mkdtemp(join(tmpdir(), "eval-deep-")), "results.jsonl");
    const run = await runEval(suite, { resultsFile });
    expect(run.outcomes[0]).toMatchObject({ status: "answered", passed: false });
    expect((await readFile(resultsFile, "utf8")).split("\n")[1]).toContain('"argsText":"[[[');
    const again = await runEval(suite, { resultsFile });
    expect(again.outcomes[0]).toMatchObject({ resumed: true, status: "answered" });
    expect(again.outcomes[0]?.answer?.toolCalls[0]?.argsText).toHaveLength(2 * depth);
    expect(JSON.parse(runJson(again)).outcomes[0].answer.toolCalls[0]).toEqual({
      name: "get_weather",
      argsText: expect.any(String),
    });
  });
});
