import type { Check, CheckContext, EvalAnswer } from "../checks/check.ts";
import type { EvalSuite } from "../suite/define-eval.ts";
import type { EvalPrompt } from "../suite/eval-prompt.ts";
import { EvalSuiteError } from "../suite/eval-suite-error.ts";
import { type CostEstimate, estimatePairs } from "./cost-estimate.ts";
import type { CallMeasure, CheckVerdict, EvalRun, EvalStop, PromptOutcome } from "./eval-run.ts";
import { measureCall } from "./measure-call.ts";
import {
  answerOf,
  type ModelTarget,
  type ResultsRead,
  type ResultsRecord,
  ResultsWriter,
  readResults,
  recordKey,
  requestHash,
  type StoredVerdict,
  storedAnswer,
} from "./results-file.ts";
import { findRegressions, summariseModels } from "./summarise.ts";

/** Options of {@link runEval}. */
export interface RunEvalOptions {
  /**
   * A JSONL file that makes the run resumable: each finished prompt×model
   * outcome is appended to it as one line, and a run with the same file skips
   * the pairs already there (same suite name, prompt id, model id, the
   * model's provider and provider model id, and request). A line cut by a
   * crash is ignored with a warning; a file that is not a results file is
   * refused (`EvalSuiteError`, code `results-file`).
   */
  readonly resultsFile?: string;
  /** Called with the estimate of the pairs left to do, before the first call (after the `maxCost` check). */
  readonly onEstimate?: (estimate: CostEstimate) => void;
  /** Called after each prompt×model pair is done. */
  readonly onProgress?: (progress: EvalProgress) => void;
  /** Stops the run: calls in flight are cancelled, and the run resolves with what was done (`stopped: "aborted"`). */
  readonly signal?: AbortSignal;
}

/** Where a run is, after each pair. */
export interface EvalProgress {
  /** Pairs done, resumed ones included. */
  readonly done: number;
  /** Pairs in the run: prompts × models. */
  readonly total: number;
  /** The pair just done. */
  readonly outcome: PromptOutcome;
  /** What the run's calls have cost so far. */
  readonly spent: number;
}

interface Pair {
  readonly index: number;
  readonly prompt: EvalPrompt;
  readonly model: string;
  readonly target: ModelTarget;
  readonly position: number;
  readonly hash: string;
  readonly stored: ResultsRecord | undefined;
}

/** What the checks of one answer came to. */
interface Checked {
  readonly verdicts: CheckVerdict[];
  readonly stored: StoredVerdict[];
  /** Whether a fingerprinted check gave a new verdict (the record is then written again). */
  readonly fresh: boolean;
  /** False when a check did not run: the run was aborted, or a check that costs money met the cost cap. */
  readonly complete: boolean;
}

/**
 * Runs every prompt of `suite` on each model of its chain on its own —
 * `chain.stream(request, { models: [id], tags: { eval: name } })`, so each
 * fallback path is measured with its own retries and timeouts, and never
 * falls over to another model — at most `concurrency` calls at once, then
 * runs the checks on each answer.
 *
 * Before the first call it estimates the cost (see `estimateCost`) of the
 * pairs left to do, and rejects with an `EvalSuiteError` (code `cost-cap`) when
 * the estimate is above `maxCost`. During the run it starts no new call — to
 * a model, or a check's own (a judge's) — once the calls made have cost
 * `maxCost` (those in flight finish); the run then says `stopped:
 * "max-cost"`, and a pair whose judge was not called counts as not run.
 * Backups' `agreesWithPrimary` checks wait for the primary's answer to the
 * same prompt.
 *
 * A pair whose call fails is an `error` outcome. Anything else that fails —
 * writing the results file, `onProgress` throwing — cancels the calls in
 * flight, starts no other, and rejects the run with that error.
 */
export async function runEval(suite: EvalSuite, options: RunEvalOptions = {}): Promise<EvalRun> {
  const startedAt = Date.now();
  const read: ResultsRead = options.resultsFile
    ? await readResults(options.resultsFile, suite.name)
    : { records: new Map(), warnings: [], endsCleanly: true, fresh: true };
  const targets = targetsOf(suite);
  const pairs: Pair[] = suite.prompts.flatMap((prompt, promptIndex) => {
    const hash = requestHash(prompt.request);
    return suite.models.map((model, position) => {
      const target = targets.get(model) ?? { model, provider: "", modelId: "" };
      return {
        index: promptIndex * suite.models.length + position,
        prompt,
        model,
        target,
        position,
        hash,
        stored: read.records.get(recordKey(suite.name, prompt.id, target, hash)),
      };
    });
  });
  const estimate = estimatePairs(
    suite,
    pairs.filter((pair) => !pair.stored).map((pair) => ({ request: pair.prompt.request, model: pair.model })),
  );
  if (suite.maxCost !== undefined && estimate.total > suite.maxCost) {
    throw new EvalSuiteError(
      "cost-cap",
      `the estimate, ${estimate.total.toFixed(4)}, is above maxCost ${suite.maxCost}: raise maxCost, or run fewer prompts or models`,
      { field: "maxCost" },
    );
  }
  options.onEstimate?.(estimate);

  const run = new RunState(suite, options);
  const writer = options.resultsFile ? await ResultsWriter.open(options.resultsFile, read) : undefined;
  const queue = [...pairs];
  let failure: { readonly error: unknown } | undefined;
  try {
    const worker = async (): Promise<void> => {
      for (let pair = queue.shift(); pair; pair = queue.shift()) {
        try {
          const outcome = await run.perform(pair, writer);
          if (outcome) options.onProgress?.({ done: run.done, total: pairs.length, outcome, spent: run.spent });
        } catch (error) {
          // Not a failed call (that is an outcome): the run cannot go on. Nothing more starts; calls in flight are cancelled.
          failure ??= { error };
          queue.length = 0;
          run.fail(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(suite.concurrency, pairs.length) }, worker));
  } finally {
    run.dispose();
    await writer?.close();
  }
  if (failure) throw failure.error;

  const outcomes = run.outcomes();
  const notRun = pairs.length - outcomes.length;
  const complete = notRun === 0;
  const models = summariseModels(suite, outcomes, complete);
  return {
    name: suite.name,
    startedAt,
    finishedAt: Date.now(),
    prompts: suite.prompts.length,
    models,
    outcomes,
    regressions: findRegressions(suite, outcomes),
    estimate,
    spent: run.spent,
    judgeCost: run.judgeCost,
    ...(run.stopped ? { stopped: run.stopped } : {}),
    notRun,
    thresholdsMet: models.every((model) => !model.belowThreshold),
    warnings: read.warnings,
  };
}

/** Each chain id's provider and model, as its adapter names them: part of a results file's key. */
function targetsOf(suite: EvalSuite): Map<string, ModelTarget> {
  const statuses = typeof suite.chain.health === "function" ? suite.chain.health() : [];
  return new Map(statuses.map((status) => [status.id, { model: status.id, provider: status.provider, modelId: status.modelId }]));
}

/** What a run holds while it runs: outcomes, spending, the primaries' answers, the abort. */
class RunState {
  done = 0;
  spent = 0;
  judgeCost = 0;
  stopped: EvalStop | undefined;
  private readonly suite: EvalSuite;
  private readonly finished = new Map<number, PromptOutcome>();
  private readonly primaries = new Map<string, PromiseWithResolvers<EvalAnswer | undefined>>();
  private readonly controller = new AbortController();
  private readonly unlink: () => void;

  constructor(suite: EvalSuite, options: RunEvalOptions) {
    this.suite = suite;
    const { signal } = options;
    const abort = (): void => {
      this.stopped = "aborted";
      this.controller.abort(signal?.reason);
    };
    if (signal?.aborted) abort();
    signal?.addEventListener("abort", abort, { once: true });
    this.unlink = () => signal?.removeEventListener("abort", abort);
  }

  /**
   * Runs one pair (or takes it from the results file), checks it and records
   * it; undefined when it was not run (aborted, or stopped at the cost cap).
   * Rejects only when the run cannot go on (the results file cannot be written).
   */
  async perform(pair: Pair, writer: ResultsWriter | undefined): Promise<PromptOutcome | undefined> {
    try {
      return await this.performPair(pair, writer);
    } finally {
      // Backups waiting for this primary's answer go on without it when it gave none (a no-op once resolved).
      if (pair.position === 0) this.primaryOf(pair.prompt.id).resolve(undefined);
    }
  }

  private async performPair(pair: Pair, writer: ResultsWriter | undefined): Promise<PromptOutcome | undefined> {
    let measure: CallMeasure | undefined = pair.stored && measureOf(pair.stored);
    if (!measure && !this.mayStart()) return undefined;
    measure ??= await measureCall({
      chain: this.suite.chain,
      model: pair.model,
      request: pair.prompt.request,
      tags: { eval: this.suite.name },
      signal: this.controller.signal,
    });
    if (!measure) return undefined;
    if (!pair.stored) this.spent += measure.cost;
    const answer = measure.status === "answered" ? measure.answer : undefined;
    if (pair.position === 0) this.primaryOf(pair.prompt.id).resolve(answer?.refused ? undefined : answer);

    const checked: Checked = answer ? await this.check(pair, answer) : { verdicts: [], stored: [], fresh: false, complete: true };
    // A paid answer is kept even when its checks were cut short: a resumed run checks it without calling again.
    if (writer && (!pair.stored || checked.fresh)) {
      const { answer: _answer, ...rest } = measure;
      await writer.append({
        v: 1,
        suite: this.suite.name,
        promptId: pair.prompt.id,
        model: pair.model,
        provider: pair.target.provider,
        modelId: pair.target.modelId,
        requestHash: pair.hash,
        finishedAt: Date.now(),
        ...rest,
        ...(answer ? { answer: storedAnswer(answer) } : {}),
        checks: checked.stored,
      });
    }
    if (!checked.complete) return undefined;
    const outcome: PromptOutcome = {
      ...measure,
      promptId: pair.prompt.id,
      model: pair.model,
      position: pair.position,
      refused: answer?.refused ?? false,
      checks: checked.verdicts,
      passed: answer !== undefined && checked.verdicts.every((verdict) => verdict.pass),
      resumed: pair.stored !== undefined,
    };
    this.finished.set(pair.index, outcome);
    this.done++;
    return outcome;
  }

  /** Every outcome, in prompt then chain order. */
  outcomes(): PromptOutcome[] {
    return [...this.finished].sort(([a], [b]) => a - b).map(([, outcome]) => outcome);
  }

  /** The run cannot go on: cancels the calls in flight, and lets waiting checks go on. */
  fail(reason: unknown): void {
    this.controller.abort(reason);
    for (const primary of this.primaries.values()) primary.resolve(undefined);
  }

  /** Lets waiting checks go on (with no primary answer) and stops listening to the caller's signal. */
  dispose(): void {
    for (const primary of this.primaries.values()) primary.resolve(undefined);
    this.unlink();
  }

  /** Whether a call that costs money may start: not aborted, and under the cost cap. */
  private mayStart(): boolean {
    if (this.controller.signal.aborted) return false;
    if (this.suite.maxCost !== undefined && this.spent >= this.suite.maxCost) {
      this.stopped ??= "max-cost";
      return false;
    }
    return true;
  }

  private primaryOf(promptId: string): PromiseWithResolvers<EvalAnswer | undefined> {
    let primary = this.primaries.get(promptId);
    if (!primary) {
      primary = Promise.withResolvers();
      this.primaries.set(promptId, primary);
    }
    return primary;
  }

  /** Runs the checks; `complete` is false when one could not run (aborted, or a judge at the cost cap). */
  private async check(pair: Pair, answer: EvalAnswer): Promise<Checked> {
    const checks: readonly Check[] = [...this.suite.checks, ...(pair.prompt.checks ?? [])];
    const needsPrimary = pair.position > 0 && checks.some((check) => check.needsPrimary);
    const context: CheckContext = {
      prompt: pair.prompt,
      model: pair.model,
      position: pair.position,
      primary: needsPrimary ? await this.primaryOf(pair.prompt.id).promise : undefined,
      suite: this.suite.name,
      signal: this.controller.signal,
    };
    const verdicts: CheckVerdict[] = [];
    const stored: StoredVerdict[] = [];
    let fresh = false;
    for (const check of checks) {
      const { fingerprint } = check;
      const kept = fingerprint && pair.stored?.checks.find((v) => v.check === check.name && v.fingerprint === fingerprint);
      if (kept) {
        verdicts.push({ check: kept.check, pass: kept.pass, reason: kept.reason });
        stored.push(kept);
        continue;
      }
      // A fingerprinted check (a judge) costs money: none starts past the cap.
      if (fingerprint && !this.mayStart()) return { verdicts, stored, fresh, complete: false };
      let verdict: CheckVerdict | undefined;
      let threw = false;
      try {
        const outcome = await check.run(answer, context);
        if (outcome?.cost) {
          this.judgeCost += outcome.cost;
          this.spent += outcome.cost;
        }
        verdict = outcome && { check: check.name, pass: outcome.pass === true, reason: String(outcome.reason) };
      } catch (error) {
        if (this.controller.signal.aborted) return { verdicts, stored, fresh, complete: false };
        threw = true;
        verdict = {
          check: check.name,
          pass: false,
          reason: `the check threw: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
      if (!verdict) continue;
      verdicts.push(verdict);
      // Only a verdict the check gave is kept for a resumed run: one that threw (a judge that failed) runs again.
      if (fingerprint && !threw) {
        stored.push({ ...verdict, fingerprint });
        fresh = true;
      }
    }
    return { verdicts, stored, fresh, complete: true };
  }
}

function measureOf(record: ResultsRecord): CallMeasure {
  const { status, answer, error, latencyMs, firstTokenMs, attempts, inputTokens, outputTokens, cost, costComplete } = record;
  return {
    status,
    ...(answer === undefined ? {} : { answer: answerOf(answer) }),
    ...(error === undefined ? {} : { error }),
    latencyMs,
    ...(firstTokenMs === undefined ? {} : { firstTokenMs }),
    attempts,
    inputTokens,
    outputTokens,
    cost,
    costComplete,
  };
}
