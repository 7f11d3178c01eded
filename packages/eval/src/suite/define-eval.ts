import { type Fallback, isRequestError, type ModelPrice, validateRequest } from "@understudy/core";
import type { Check } from "../checks/check.ts";
import type { EvalPrompt } from "./eval-prompt.ts";
import { EvalSuiteError } from "./eval-suite-error.ts";

/** Options of {@link defineEval}. */
export interface EvalOptions {
  /** The suite's name: in results, reports, the results file's keys and every call's `eval` tag. */
  readonly name: string;
  /** The chain whose models are measured, each on its own, with its own retry and timeout policies. */
  readonly chain: Fallback;
  /** The prompt set: written in code, or read with `loadPrompts` from JSONL. */
  readonly prompts: readonly EvalPrompt[];
  /** Checks of every prompt's answers (each prompt may add its own). */
  readonly checks?: readonly Check[];
  /** Calls in flight at once, across all prompts and models. Default 4. */
  readonly concurrency?: number;
  /** The most the run may spend, in the unit of the prices: see `runEval`. */
  readonly maxCost?: number;
  /**
   * The pass rate (0 to 1) a model must reach: one number for every model,
   * or per chain id (`{ "openai:gpt-4.1-mini": 0.9 }`). A model below it fails
   * the run (the command exits 1).
   */
  readonly thresholds?: number | Readonly<Record<string, number>>;
  /**
   * Prices per chain id, for the cost estimate made before the run. The chain
   * prices what its calls cost, but does not show its prices: repeat them here
   * (the estimate names models without one as unpriced).
   */
  readonly prices?: Readonly<Record<string, ModelPrice>>;
  /** Output tokens the estimate assumes for a request without `maxTokens`. Default 1024. */
  readonly assumedOutputTokens?: number;
}

/** A checked eval definition, for `runEval` and the `understudy eval` command. Made by {@link defineEval}. */
export interface EvalSuite extends EvalOptions {
  /** Marks a suite (a config module's default export is checked for it). */
  readonly kind: "understudy.eval";
  /** The chain's model ids, in order: the first is the primary. */
  readonly models: readonly string[];
  /** Calls in flight at once. */
  readonly concurrency: number;
  /** Checks of every prompt. */
  readonly checks: readonly Check[];
}

/**
 * Checks an eval's definition and returns it as a suite. Throws an
 * `EvalSuiteError` (code `config`) naming the option at fault and the fix.
 *
 * @example
 * ```ts
 * export default defineEval({
 *   name: "support-answers",
 *   chain,
 *   prompts: await loadPrompts(new URL("./prompts.jsonl", import.meta.url)),
 *   checks: [checks.notContains("as an AI")],
 *   thresholds: 0.8,
 * });
 * ```
 */
export function defineEval(options: EvalOptions): EvalSuite {
  const fail = (field: string, message: string): never => {
    throw new EvalSuiteError("config", `defineEval: ${field} ${message}`, { field });
  };
  if (typeof options.name !== "string" || options.name.trim() === "") fail("name", "must be a non-empty string");
  const models = (options.chain as Partial<Fallback> | undefined)?.modelIds;
  if (!Array.isArray(models) || typeof options.chain.stream !== "function") {
    fail("chain", "must be a chain made by createFallback from @understudy/core");
  }
  if (!Array.isArray(options.prompts) || options.prompts.length === 0) fail("prompts", "must be a non-empty array");
  const seen = new Set<string>();
  for (const [index, prompt] of options.prompts.entries()) {
    if (typeof prompt?.id !== "string" || prompt.id === "") fail(`prompts[${index}].id`, "must be a non-empty string");
    if (seen.has(prompt.id)) fail(`prompts[${index}].id`, `repeats "${prompt.id}": ids must be unique`);
    seen.add(prompt.id);
    if (!Array.isArray(prompt.request?.messages)) fail(`prompts[${index}].request`, "must be a ChatRequest with messages");
    try {
      validateRequest(prompt.request);
    } catch (error) {
      // A request the chain would refuse before any call (a negative maxTokens, a toolChoice without tools).
      if (!isRequestError(error)) throw error;
      fail(`prompts[${index}].request`, `(prompt "${prompt.id}") ${error.message}`);
    }
  }
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) fail("concurrency", `must be a whole number from 1; got ${concurrency}`);
  if (options.maxCost !== undefined && !(options.maxCost >= 0))
    fail("maxCost", `must be a number from 0; got ${options.maxCost}`);
  const assumed = options.assumedOutputTokens;
  if (assumed !== undefined && !(Number.isInteger(assumed) && assumed >= 0)) {
    fail("assumedOutputTokens", `must be a whole number from 0; got ${assumed}`);
  }
  const ids = models as readonly string[];
  checkThresholds(options.thresholds, ids, fail);
  for (const id of Object.keys(options.prices ?? {})) {
    if (!ids.includes(id)) fail(`prices.${id}`, `names no model of the chain (its ids: ${ids.join(", ")})`);
  }
  return Object.freeze({ ...options, kind: "understudy.eval", models: ids, concurrency, checks: options.checks ?? [] });
}

function checkThresholds(
  thresholds: EvalOptions["thresholds"],
  ids: readonly string[],
  fail: (field: string, message: string) => never,
): void {
  if (thresholds === undefined) return;
  const entries = typeof thresholds === "number" ? [["", thresholds] as const] : Object.entries(thresholds);
  for (const [id, value] of entries) {
    const field = id === "" ? "thresholds" : `thresholds.${id}`;
    if (id !== "" && !ids.includes(id)) fail(field, `names no model of the chain (its ids: ${ids.join(", ")})`);
    if (!(typeof value === "number" && value >= 0 && value <= 1)) fail(field, `must be a pass rate from 0 to 1; got ${value}`);
  }
}

/** The pass rate `model` must reach, if any. */
export function thresholdOf(suite: Pick<EvalSuite, "thresholds">, model: string): number | undefined {
  const { thresholds } = suite;
  return typeof thresholds === "number" ? thresholds : thresholds?.[model];
}

/** Whether `value` is a suite made by {@link defineEval}. */
export function isEvalSuite(value: unknown): value is EvalSuite {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "understudy.eval";
}
