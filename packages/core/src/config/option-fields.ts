import { ConfigError } from "../errors/config-error.ts";
import { type DurationRule, describeValue, durationFix, durationProblem } from "./duration.ts";
import { firstUnknownKey, unknownKeyFix } from "./known-keys.ts";

/** An option object as read from a caller: any keys, any values. */
export type Fields = Readonly<Record<string, unknown>>;

/** Throws a `ConfigError` at `path` unless `value` is a plain object (not null, not an array). */
export function requireObject(value: unknown, path: string, fix: string): asserts value is Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(path, `must be an object, got ${describeValue(value)}`, fix);
  }
}

/** Throws a `ConfigError` naming the first key of `value` not in `known`, and the key it most likely meant. */
export function rejectUnknownKeys(value: Fields, path: string, known: readonly string[]): void {
  const unknown = firstUnknownKey(value, known);
  if (unknown) {
    // Top-level paths carry no prefix (`models`, `deadlineMs`), and neither does an unknown top-level key.
    const keyPath = path === "" ? unknown.key : `${path}.${unknown.key}`;
    throw new ConfigError(keyPath, "is not a known option", unknownKeyFix(unknown.suggestion, known));
  }
}

/** Throws a `ConfigError` at `path` unless `value` is a duration in ms under `rule`. */
export function requireDuration(value: unknown, path: string, rule: DurationRule = {}, alternative = ""): void {
  const problem = durationProblem(value, rule);
  if (problem) throw new ConfigError(path, problem, `${durationFix(rule)}${alternative ? ` ${alternative}` : ""}`);
}

/** As {@link requireDuration}, for an option that may be left out. */
export function optionalDuration(value: unknown, path: string, rule: DurationRule = {}, alternative = ""): void {
  if (value !== undefined) requireDuration(value, path, rule, alternative);
}
