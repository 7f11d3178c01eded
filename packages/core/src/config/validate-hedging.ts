import { ConfigError } from "../errors/config-error.ts";
import { describeValue, durationFix, durationProblem, maxTimerMs } from "./duration.ts";
import { policyDefaults } from "./model-settings.ts";
import { optionalDuration, rejectUnknownKeys, requireObject } from "./option-fields.ts";

/** Checks a model's `hedge` option (see `HedgeOptions`); throws a `ConfigError` naming the field and the fix. */
export function validateHedge(hedge: unknown, path: string): void {
  if (hedge === undefined || hedge === false) return;
  const fix = 'write `{ afterMs: 1500 }`, `{ afterMs: "learned" }`, or `false`';
  requireObject(hedge, path, fix);
  rejectUnknownKeys(hedge, path, ["afterMs", "minMs", "maxMs", "minSamples"]);
  const { afterMs } = hedge;
  if (afterMs !== "learned") {
    const problem = durationProblem(afterMs);
    if (problem) throw new ConfigError(`${path}.afterMs`, problem, `${durationFix()}, or \`"learned"\``);
    for (const key of ["minMs", "maxMs", "minSamples"]) {
      if (hedge[key] !== undefined) {
        throw new ConfigError(
          `${path}.${key}`,
          "applies only to a learned delay",
          `write \`afterMs: "learned"\`, or remove \`${key}\``,
        );
      }
    }
    return;
  }
  optionalDuration(hedge.minMs, `${path}.minMs`);
  optionalDuration(hedge.maxMs, `${path}.maxMs`);
  const minMs = (hedge.minMs as number | undefined) ?? policyDefaults.hedge.minMs;
  const maxMs = (hedge.maxMs as number | undefined) ?? policyDefaults.hedge.maxMs;
  if (maxMs < minMs) {
    const capGiven = hedge.maxMs !== undefined;
    throw new ConfigError(
      `${path}.${capGiven ? "maxMs" : "minMs"}`,
      capGiven ? `is shorter than \`minMs\` (${minMs})` : `is longer than \`maxMs\` (${maxMs} by default)`,
      capGiven ? "give `maxMs` ≥ `minMs`" : "give `maxMs` too, at least `minMs`",
    );
  }
  optionalWholeNumber(hedge.minSamples, `${path}.minSamples`, 1, "e.g. `20`: fewer samples make a noisy estimate");
}

/** Checks `timeout.learnFirstToken` (see `LearnedFirstTokenOptions`). */
export function validateLearnFirstToken(option: unknown, path: string): void {
  if (option === undefined || typeof option === "boolean") return;
  requireObject(option, path, "write `true`, or `{ multiplier: 3, minMs: 2000, minSamples: 20 }`");
  rejectUnknownKeys(option, path, ["multiplier", "minMs", "minSamples"]);
  const { multiplier } = option;
  if (multiplier !== undefined && !(typeof multiplier === "number" && Number.isFinite(multiplier) && multiplier >= 1)) {
    throw new ConfigError(
      `${path}.multiplier`,
      `must be a finite number ≥ 1, got ${describeValue(multiplier)}`,
      "e.g. `3`: the timer is three times the model's estimated 99th percentile",
    );
  }
  optionalDuration(option.minMs, `${path}.minMs`);
  optionalWholeNumber(option.minSamples, `${path}.minSamples`, 1, "e.g. `20`: fewer samples make a noisy estimate");
}

/** Checks the chain's `hedging` option (see `HedgingOptions`). */
export function validateHedging(hedging: unknown): void {
  if (hedging === undefined) return;
  requireObject(hedging, "hedging", "write `{ maxShare: 0.1, burst: 10, maxPerRequest: 1 }`");
  rejectUnknownKeys(hedging, "hedging", ["maxShare", "burst", "maxPerRequest"]);
  const share = hedging.maxShare;
  if (share !== undefined && !(typeof share === "number" && share >= 0 && share <= 1)) {
    throw new ConfigError(
      "hedging.maxShare",
      `must be a share from 0 to 1, got ${describeValue(share)}`,
      "e.g. `0.1`: at most one hedge per ten requests",
    );
  }
  optionalWholeNumber(hedging.burst, "hedging.burst", 1, "e.g. `10`");
  optionalWholeNumber(hedging.maxPerRequest, "hedging.maxPerRequest", 1, "e.g. `1`: each request hedges at most once");
}

function optionalWholeNumber(value: unknown, path: string, min: number, fix: string): void {
  if (value === undefined) return;
  if (!(Number.isInteger(value) && (value as number) >= min && (value as number) <= maxTimerMs)) {
    throw new ConfigError(path, `must be a whole number ≥ ${min}, got ${describeValue(value)}`, fix);
  }
}
