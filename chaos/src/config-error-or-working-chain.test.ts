// createFallback over generated configs — chains of 1–4 models with random,
// often hostile, policy settings — either throws a ConfigError naming a field
// that is wrong, or builds a chain that answers.
import { createFallback, type Fallback, isConfigError } from "@understudy/core";
import fc from "fast-check";
import { expect, it } from "vitest";
import { configArbitrary, type GeneratedConfig, materialise } from "./arbitraries/config.ts";
import { messageOf, visibleText } from "./harness/call-invariants.ts";
import { activeHandles, settleHandles } from "./harness/handles.ts";
import { type PropertyBudget, propertyParameters, propertyTestTimeout } from "./harness/property-settings.ts";
import { RejectionGuard } from "./harness/unhandled-rejections.ts";
import { Violations } from "./harness/violation.ts";

const budget: PropertyBudget = { runs: 300, ciRuns: 150, timeLimitMs: 10_000, runTimeoutMs: 5_000 };

/** Whether a ConfigError's path names one of the generated issues (itself, a field inside it, or its parent). */
function namesAnIssue(named: string, issues: GeneratedConfig["issues"]): boolean {
  // The root is written `options.` in some paths and left out in others.
  const path = named.replace(/^options\./, "");
  return issues.some(
    (issue) =>
      issue.path === path ||
      issue.path.startsWith(`${path}.`) ||
      issue.path.startsWith(`${path}[`) ||
      path.startsWith(`${issue.path}.`),
  );
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

async function checkWorks(chat: Fallback, config: GeneratedConfig, v: Violations): Promise<void> {
  const ambiguous = config.issues.filter((issue) => issue.verdict === "ambiguous");
  const huge = ambiguous.some((issue) => /Infinity|e\+|2147483648|3000000000|9007199254740992/.test(issue.value));
  const known = huge ? "huge-durations" : undefined;
  const request = { messages: [{ role: "user" as const, content: "ping" }], maxTokens: 16 };
  const expected = config.texts[0];
  const wantModel = config.ids[0];
  try {
    const result = await withTimeout(chat.generate(request), 2_000, "generate()");
    if (result.text !== expected || result.model !== wantModel)
      v.add(
        "config-error-or-works",
        `accepted, but generate() answered ${JSON.stringify(result.text)} from ${result.model}`,
        known,
      );
  } catch (error) {
    v.add("config-error-or-works", `accepted, but a healthy chain failed generate(): ${messageOf(error)}`, known);
    return;
  }
  try {
    const stream = chat.stream(request);
    const parts = [];
    for await (const part of stream) parts.push(part);
    const result = await withTimeout(stream.result, 2_000, "stream.result");
    if (visibleText(parts) !== expected || result.text !== expected)
      v.add("config-error-or-works", `accepted, but stream() showed ${JSON.stringify(visibleText(parts))}`, known);
  } catch (error) {
    v.add("config-error-or-works", `accepted, but a healthy chain failed stream(): ${messageOf(error)}`, known);
  }
  for (const model of chat.health()) {
    if (model.breaker !== "closed" || model.cooldownUntil !== undefined || model.recentFailures > 0)
      v.add(
        "config-error-or-works",
        `a healthy chain left ${model.id} ${model.breaker}, ${model.recentFailures} failures`,
        known,
      );
  }
}

it(
  "createFallback throws a ConfigError naming a wrong field, or builds a chain that answers",
  async () => {
    await fc.assert(
      fc.asyncProperty(configArbitrary(), async (config) => {
        const v = new Violations();
        const guard = new RejectionGuard().start();
        const baseline = activeHandles();
        try {
          const { options } = materialise(config);
          const mustRefuse = config.issues.some((issue) => issue.verdict === "invalid");
          let chat: Fallback | undefined;
          try {
            chat = createFallback(options);
          } catch (error) {
            if (!isConfigError(error))
              v.add("config-error-or-works", `createFallback threw something other than a ConfigError: ${messageOf(error)}`);
            else if (config.issues.length === 0) v.add("config-error-or-works", `a valid config was refused: ${error.message}`);
            else if (!namesAnIssue(error.path, config.issues))
              v.add(
                "config-error-or-works",
                `the ConfigError names "${error.path}", not a wrong field (${config.issues.map((i) => i.path).join(", ")})`,
              );
            else if (!error.message.includes(error.path))
              v.add("config-error-or-works", `the message does not name the field: ${error.message}`);
          }
          if (chat && mustRefuse) {
            const wrong = config.issues.filter((issue) => issue.verdict === "invalid");
            v.add("config-error-or-works", `accepted a config with ${wrong.map((i) => `${i.path} = ${i.value}`).join(", ")}`);
          }
          if (chat && !mustRefuse) await checkWorks(chat, config, v);
          const left = await settleHandles(baseline, 300);
          if (left.length > 0) v.add("no-leaked-handle", `left open: ${left.join(", ")}`);
        } finally {
          for (const reason of guard.stop()) v.add("no-unhandled-rejection", messageOf(reason));
        }
        v.throwIfAny();
      }),
      propertyParameters(budget),
    );
    expect(true).toBe(true);
  },
  propertyTestTimeout(budget),
);
