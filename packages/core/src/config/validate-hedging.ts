import { ConfigError } from "../errors/config-error.ts";
import { describeValue, durationFix, durationProblem, maxTimerMs } from "./duration.ts";
import { firstUnknownKey, unknownKeyFix } from "./known-keys.ts";
import { policyDefaults } from "./model-settings.ts";

type Fields = Readonly<Record<string, unknown>>;

/** Checks a model's `hedge` option (see `HedgeOptions`); throws a `ConfigError` naming the field and the fix. */
export function validateHedge(hedge: unknown, path: string): void {
  if (hedge === undefined || hedge === false) return;
  const fix = 'write `{ afterMs: 1500 }`, `{ afterMs: "learned" }`, or `false`';
  const fields = requireFields(hedge, path, fix);
  rejectUnknown(fields, path, ["afterMs", "minMs", "maxMs", "minSamples"]);
  const { afterMs } = fields;
  if (afterMs !== "learned") {
    const problem = durationProblem(afterMs);
    if (problem) throw new ConfigError(`${path}.afterMs`, problem, `${durationFix()}, or \`"learned"\``);
    for (const key of ["minMs", "maxMs", "minSamples"]) {
      if (fields[key] !== undefined) {
        throw new ConfigError(
          `${path}.${key}`,
          "applies only to a learned delay",
          `write \`afterMs: "learned"\`, or remove \`${key}\``,
        );
      }
    }
    return;
  }
  optionalDuration(fields.minMs, `${path}.minMs`);
  optionalDuration(fields.maxMs, `${path}.maxMs`);
  const minMs = (fields.minMs as number | undefined) ?? policyDefaults.hedge.minMs;
  const maxMs = (fields.maxMs as number | undefined) ?? policyDefaults.hedge.maxMs;
  if (maxMs < minMs) {
    const capGiven = fields.maxMs !== undefined;
    throw new ConfigError(
      `${path}.${capGiven ? "maxMs" : "minMs"}`,
      capGiven ? `is shorter than \`minMs\` (${minMs})` : `is longer than \`maxMs\` (${maxMs} by default)`,
      capGiven ? "give `maxMs` ≥ `minMs`" : "give `maxMs` too, at least `minMs`",
    );
  }
  optionalWholeNumber(fields.minSamples, `${path}.minSamples`, 1, "e.g. `20`: fewer samples make a noisy estimate");
}

/** Checks `timeout.learnFirstToken` (see `LearnedFirstTokenOptions`). */
export function validateLearnFirstToken(option: unknown, path: string): void {
  if (option === undefined || typeof option === "boolean") return;
  const fields = requireFields(option, path, "write `true`, or `{ multiplier: 3, minMs: 2000, minSamples: 20 }`");
  rejectUnknown(fields, path, ["multiplier", "minMs", "minSamples"]);
  const { multiplier } = fields;
  if (multiplier !== undefined && !(typeof multiplier === "number" && Number.isFinite(multiplier) && multiplier >= 1)) {
    throw new ConfigError(
      `${path}.multiplier`,
      `must be a finite number ≥ 1, got ${describeValue(multiplier)}`,
      "e.g. `3`: the timer is three times the model's estimated 99th percentile",
    );
  }
  optionalDuration(fields.minMs, `${path}.minMs`);
  optionalWholeNumber(fields.minSamples, `${path}.minSamples`, 1, "e.g. `20`: fewer samples make a noisy estimate");
}

/** Checks the chain's `hedging` option (see `HedgingOptions`). */
export function validateHedging(hedging: unknown): void {
  if (hedging === undefined) return;
  const fields = requireFields(hedging, "hedging", "write `{ maxShare: 0.1, burst: 10, maxPerRequest: 1 }`");
  rejectUnknown(fields, "hedging", ["maxShare", "burst", "maxPerRequest"]);
  const share = fields.maxShare;
  if (share !== undefined && !(typeof share === "number" && share >= 0 && share <= 1)) {
    throw new ConfigError(
      "hedging.maxShare",
      `must be a share from 0 to 1, got ${describeValue(share)}`,
      "e.g. `0.1`: at most one hedge per ten requests",
    );
  }
  optionalWholeNumber(fields.burst, "hedging.burst", 1, "e.g. `10`");
  optionalWholeNumber(fields.maxPerRequest, "hedging.maxPerRequest", 1, "e.g. `1`: each request hedges at most once");
}

function requireFields(value: unknown, path: string, fix: string): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(path, `must be an object, got ${describeValue(value)}`, fix);
  }
  return value as Fields;
}

function rejectUnknown(fields: Fields, path: string, known: readonly string[]): void {
  const unknown = firstUnknownKey(fields, known);
  if (unknown) throw new ConfigError(`${path}.${unknown.key}`, "is not a known option", unknownKeyFix(unknown.suggestion, known));
}

function optionalDuration(value: unknown, path: string): void {
  if (value === undefined) return;
  const problem = durationProblem(value);
  if (problem) throw new ConfigError(path, problem, durationFix());
}

function optionalWholeNumber(value: unknown, path: string, min: number, fix: string): void {
  if (value === undefined) return;
  if (!(Number.isInteger(value) && (value as number) >= min && (value as number) <= maxTimerMs)) {
    throw new ConfigError(path, `must be a whole number ≥ ${min}, got ${describeValue(value)}`, fix);
  }
}
