import type { EvalModelResult, EvalRegression } from "@understudy/request-log";
import type { EvalAnswer } from "../checks/check.ts";
import type { CostEstimate } from "./cost-estimate.ts";

/** One check's verdict on one answer. */
export interface CheckVerdict {
  /** The check's name. */
  readonly check: string;
  /** Whether the answer passed. */
  readonly pass: boolean;
  /** Why. */
  readonly reason: string;
}

/** What a call to one model for one prompt measured. */
export interface CallMeasure {
  /** `answered`, or `error` when no answer came (every attempt failed). A refusal is an answer. */
  readonly status: "answered" | "error";
  /** The answer, when there is one. */
  readonly answer?: EvalAnswer;
  /** With `error`: what went wrong. */
  readonly error?: string;
  /** Ms from the call to its end, retries included. */
  readonly latencyMs: number;
  /** Ms from the call to the first text or tool-call part, when one came. */
  readonly firstTokenMs?: number;
  /** Calls made to the model (retries included). */
  readonly attempts: number;
  /** Input tokens of every attempt. */
  readonly inputTokens: number;
  /** Output tokens of every attempt. */
  readonly outputTokens: number;
  /** What every attempt cost at the model's price in the chain. */
  readonly cost: number;
  /** False when the model has no price in the chain: `cost` is then 0. */
  readonly costComplete: boolean;
}

/** One prompt answered by one model, and how the answer fared. */
export interface PromptOutcome extends CallMeasure {
  /** The prompt's id. */
  readonly promptId: string;
  /** The chain id of the model. */
  readonly model: string;
  /** Its place in the chain (0: the primary). */
  readonly position: number;
  /** Whether the answer refused. */
  readonly refused: boolean;
  /** Each check that applied, in order. */
  readonly checks: readonly CheckVerdict[];
  /** Answered, and passed every check. */
  readonly passed: boolean;
  /** True when it came from the results file, not from a call in this run. */
  readonly resumed: boolean;
}

/** Why a run ended before every pair was done. */
export type EvalStop = "max-cost" | "aborted";

/** What `runEval` found: per model, per prompt, and where the backups fall short of the primary. */
export interface EvalRun {
  /** The suite's name. */
  readonly name: string;
  /** Epoch ms the run started and finished. */
  readonly startedAt: number;
  /** Epoch ms the run finished. */
  readonly finishedAt: number;
  /** Prompts in the set. */
  readonly prompts: number;
  /** Each model's results, in chain order. */
  readonly models: readonly EvalModelResult[];
  /** Every prompt×model outcome, resumed ones included, in prompt then chain order. */
  readonly outcomes: readonly PromptOutcome[];
  /** Prompts a backup failed that the primary passed. */
  readonly regressions: readonly EvalRegression[];
  /** The estimate made before the run, of the pairs it had to do. */
  readonly estimate: CostEstimate;
  /** What this run's calls cost (resumed outcomes excluded), judges included. */
  readonly spent: number;
  /** The part of `spent` that the judges' calls cost. */
  readonly judgeCost: number;
  /** Set when the run ended early: at the cost cap, or aborted. */
  readonly stopped?: EvalStop;
  /** Prompt×model pairs not done (the run stopped early). */
  readonly notRun: number;
  /** Whether every model with a threshold reached it (true without thresholds); a run that stopped early reaches none. */
  readonly thresholdsMet: boolean;
  /** Lines of the results file that were ignored (a line cut by a crash), in words. */
  readonly warnings: readonly string[];
}
