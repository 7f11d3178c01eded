import type { Parameters } from "fast-check";

/** How long and how hard one property runs, in CI and out of it. */
export interface PropertyBudget {
  /** Runs outside CI (a fresh random seed each time). */
  readonly runs: number;
  /** Runs in CI (fixed seed), kept small: the whole chaos suite adds at most ~60 s to `pnpm test`. */
  readonly ciRuns: number;
  /** Wall-clock cap of the property (runs and shrinking), in ms. */
  readonly timeLimitMs: number;
  /** For real-time properties: fast-check's own cap on one run, in ms (not with fake timers). */
  readonly runTimeoutMs?: number;
}

/** The seed CI runs with, so that a red CI run can be replayed anywhere. */
export const ciSeed = 20_260_601;

const env = process.env;

function integer(name: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return value;
}

const positiveInteger = (name: string) => integer(name, 0);

/** True in CI (`CI` set and not `false`/`0`). */
export const inCI = env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0";

/**
 * fast-check parameters for a property under `budget`, from the environment:
 * `CHAOS_RUNS` (runs of every property; lifts the time cap unless
 * `CHAOS_TIME_LIMIT_MS` is set), `CHAOS_SEED` and `CHAOS_PATH` (replay a
 * failure: fast-check prints both), `CI` (fixed seed, `ciRuns`).
 */
export function propertyParameters<T>(budget: PropertyBudget): Parameters<T> {
  const runs = positiveInteger("CHAOS_RUNS");
  // fast-check prints negative seeds too.
  const seed = integer("CHAOS_SEED", Number.MIN_SAFE_INTEGER) ?? (inCI ? ciSeed : undefined);
  const timeLimit = positiveInteger("CHAOS_TIME_LIMIT_MS") ?? (runs === undefined ? budget.timeLimitMs : undefined);
  const path = env.CHAOS_PATH;
  return {
    numRuns: runs ?? (inCI ? budget.ciRuns : budget.runs),
    ...(seed === undefined ? {} : { seed }),
    ...(path ? { path, endOnFailure: false } : {}),
    ...(timeLimit === undefined ? {} : { interruptAfterTimeLimit: timeLimit }),
    ...(budget.runTimeoutMs === undefined ? {} : { timeout: budget.runTimeoutMs }),
  };
}

/** The vitest timeout of a test that runs one property under `budget`. */
export function propertyTestTimeout(budget: PropertyBudget): number {
  const runs = positiveInteger("CHAOS_RUNS");
  const timeLimit = positiveInteger("CHAOS_TIME_LIMIT_MS");
  if (runs !== undefined && timeLimit === undefined) return 6 * 60 * 60 * 1_000;
  return (timeLimit ?? budget.timeLimitMs) + 20_000;
}
