import { ConfigError } from "../errors/config-error.ts";
import { isModelErrorKind } from "../errors/model-error.ts";
import { answerChecksProblem } from "./answer-checks-problem.ts";
import { describeValue } from "./duration.ts";
import { failureActions } from "./failure-action.ts";
import { jsonProblem } from "./json-problem.ts";
import { resolveHalfOpen } from "./model-settings.ts";
import { type Fields, optionalDuration, rejectUnknownKeys, requireDuration, requireObject } from "./option-fields.ts";
import type { FallbackOptions, HalfOpenBackoffOptions, ModelPolicyOptions } from "./options.ts";
import { validateHedge, validateHedging, validateLearnFirstToken } from "./validate-hedging.ts";

const topLevelKeys = ["models", "defaults", "deadlineMs", "midStream", "whenAllUnavailable", "healthStore", "shadow", "hedging"];
const shadowKeys = [
  "model",
  "sampleRate",
  "maxConcurrent",
  "maxCostPerHour",
  "timeoutMs",
  "answerChecks",
  "pauseAfterFallbackMs",
  "random",
];
const policyKeys = [
  "retry",
  "timeout",
  "breaker",
  "bulkhead",
  "cooldown",
  "onFailure",
  "policy",
  "acceptsPrefill",
  "answerChecks",
  "hedge",
];
const entryKeys = ["model", "id", "price", "providerOptions", ...policyKeys];

/**
 * Checks `createFallback`'s options and throws a {@link ConfigError} naming
 * the first wrong field and its fix. Plain JavaScript callers get the same
 * checks the types give TypeScript callers, and more (ranges, duplicates).
 */
export function validateOptions(options: FallbackOptions): void {
  requireObject(options, "options", "pass `{ models: [...] }`");
  rejectPolicyAtTopLevel(options);
  rejectUnknownKeys(options, "", topLevelKeys);
  validateModels(options.models);
  if (options.defaults !== undefined) validatePolicy(options.defaults as Fields, "defaults");
  optionalDuration(options.deadlineMs, "deadlineMs", { unlimited: true });
  optionalOneOf(options.midStream, "midStream", ["error", "restart", "continue"]);
  optionalOneOf(options.whenAllUnavailable, "whenAllUnavailable", ["try-nearest", "fail"]);
  validateHealthStore(options.healthStore);
  validateShadow(options.shadow, options.models);
  validateHedging(options.hedging);
}

function validateModels(models: unknown): void {
  if (!Array.isArray(models) || models.length === 0) {
    throw new ConfigError(
      "models",
      "must be a non-empty array",
      'list at least one model: `models: [{ model: openai("gpt-4.1-mini") }]`',
    );
  }
  const seen = new Map<string, number>();
  models.forEach((entry: unknown, index) => {
    const path = `models[${index}]`;
    requireObject(entry, path, "write `{ model: adapter }`");
    if (entry.model === undefined && typeof entry.generate === "function" && typeof entry.stream === "function") {
      throw new ConfigError(path, "is an adapter, not a chain entry", 'wrap it: `{ model: openai("gpt-4.1-mini") }`');
    }
    rejectChainOptionPerModel(entry, path);
    rejectUnknownKeys(entry, path, entryKeys);
    const id = validateAdapter(entry, path);
    const previous = seen.get(id);
    if (previous !== undefined) {
      throw new ConfigError(
        `${path}.id`,
        `duplicates the id "${id}" of models[${previous}]`,
        "give each entry a unique `id` (the same model through two endpoints is two entries with two ids)",
      );
    }
    seen.set(id, index);
    validatePolicy(entry, path);
    validatePrice(entry.price, `${path}.price`);
    if (entry.providerOptions !== undefined) {
      requireObject(entry.providerOptions, `${path}.providerOptions`, "key it by provider name");
      const problem = jsonProblem(entry.providerOptions);
      if (problem)
        throw new ConfigError(`${path}.providerOptions`, problem, "pass plain JSON values (they are sent to the provider)");
    }
  });
}

/** A per-model policy written at the top level: it belongs under `defaults`, for every model. */
function rejectPolicyAtTopLevel(options: Fields): void {
  const key = Object.keys(options).find((name) => policyKeys.includes(name));
  if (key) {
    throw new ConfigError(
      key,
      "is a per-model policy, not a chain option",
      `put it under \`defaults\` to apply it to every model (\`defaults: { ${key}: … }\`), or on one model's entry`,
    );
  }
}

/** The chain's hedge budget written on a model (or in `defaults`): it is one budget for the whole chain. */
function rejectChainOptionPerModel(policy: Fields, path: string): void {
  if (policy.hedging === undefined) return;
  throw new ConfigError(
    `${path}.hedging`,
    "is a chain option (one hedge budget for the whole chain), not a model's",
    "move `hedging` to the top level of the options; a model opts in to hedging with `hedge: { afterMs: 1500 }`",
  );
}

function validateAdapter(entry: Fields, path: string): string {
  const model = entry.model;
  const fix = 'pass an adapter from a provider package, e.g. `openai("gpt-4.1-mini")`';
  requireObject(model, `${path}.model`, fix);
  for (const field of ["provider", "modelId"]) {
    if (typeof model[field] !== "string" || model[field] === "") {
      throw new ConfigError(`${path}.model.${field}`, "must be a non-empty string", fix);
    }
  }
  for (const method of ["generate", "stream"]) {
    if (typeof model[method] !== "function") throw new ConfigError(`${path}.model.${method}`, "must be a function", fix);
  }
  if (entry.id === undefined) return `${model.provider}:${model.modelId}`;
  if (typeof entry.id !== "string" || entry.id.trim() === "") {
    throw new ConfigError(
      `${path}.id`,
      "must be a non-empty string",
      'write an id like `"openai:gpt-4.1-mini@azure"`, or leave it out',
    );
  }
  return entry.id;
}

function validatePolicy(policy: Fields & ModelPolicyOptions, path: string): void {
  requireObject(policy, path, "write an object of policy settings");
  if (path === "defaults") {
    rejectChainOptionPerModel(policy, path);
    rejectUnknownKeys(policy, path, policyKeys);
  }
  validateRetry(policy.retry, `${path}.retry`);
  validateTimeout(policy.timeout, `${path}.timeout`);
  validateBreaker(policy.breaker, `${path}.breaker`);
  validateBulkhead(policy.bulkhead, `${path}.bulkhead`);
  validateHedge(policy.hedge, `${path}.hedge`);
  if (policy.cooldown !== undefined) {
    requireObject(policy.cooldown, `${path}.cooldown`, "write `{ quotaMs: 300000, maxMs: 600000 }`");
    rejectUnknownKeys(policy.cooldown, `${path}.cooldown`, ["quotaMs", "maxMs"]);
    optionalDuration(policy.cooldown.quotaMs, `${path}.cooldown.quotaMs`);
    optionalDuration(policy.cooldown.maxMs, `${path}.cooldown.maxMs`);
  }
  validateActions(policy.onFailure, `${path}.onFailure`);
  if (policy.policy !== undefined && typeof (policy.policy as unknown as Fields).execute !== "function") {
    throw new ConfigError(
      `${path}.policy`,
      "is not a cockatiel policy (no `execute` method)",
      "pass a policy built with cockatiel, e.g. `timeout(5000)`",
    );
  }
  const checksProblem = answerChecksProblem(policy.answerChecks);
  if (checksProblem) throw new ConfigError(`${path}.answerChecks${checksProblem.at}`, checksProblem.problem, checksProblem.fix);
  if (policy.acceptsPrefill !== undefined && typeof policy.acceptsPrefill !== "boolean") {
    throw new ConfigError(
      `${path}.acceptsPrefill`,
      "must be true or false",
      "write `acceptsPrefill: true` only for models that accept a prefill",
    );
  }
}

function validateRetry(retry: unknown, path: string): void {
  if (retry === undefined) return;
  requireObject(retry, path, "write e.g. `{ maxAttempts: 2 }`");
  rejectUnknownKeys(retry, path, ["maxAttempts", "initialDelayMs", "maxDelayMs", "maxRetryAfterMs"]);
  if (retry.maxAttempts !== undefined && !(Number.isInteger(retry.maxAttempts) && (retry.maxAttempts as number) >= 1)) {
    throw new ConfigError(
      `${path}.maxAttempts`,
      `must be a whole number ≥ 1, got ${String(retry.maxAttempts)}`,
      "it counts calls to the model, the first included: 1 means no retry",
    );
  }
  for (const field of ["initialDelayMs", "maxDelayMs", "maxRetryAfterMs"]) {
    optionalDuration(retry[field], `${path}.${field}`, { zero: true });
  }
}

function validateTimeout(timeout: unknown, path: string): void {
  if (timeout === undefined) return;
  requireObject(timeout, path, "write e.g. `{ attemptMs: 30000, firstTokenMs: 8000, idleMs: 10000 }`");
  rejectUnknownKeys(timeout, path, ["attemptMs", "firstTokenMs", "idleMs", "learnFirstToken"]);
  for (const field of ["attemptMs", "firstTokenMs", "idleMs"]) {
    if (timeout[field] !== false) optionalDuration(timeout[field], `${path}.${field}`, { unlimited: true }, "or `false`");
  }
  validateLearnFirstToken(timeout.learnFirstToken, `${path}.learnFirstToken`);
}

function validateBreaker(breaker: unknown, path: string): void {
  if (breaker === undefined || breaker === false) return;
  const fix =
    "write `{ consecutiveFailures: 5 }`, `{ failureRate: 0.5, windowMs: 30000 }`, `{ counter: () => new CountBreaker(...) }`, or `false`";
  requireObject(breaker, path, fix);
  validateHalfOpen(breaker.halfOpenAfterMs, `${path}.halfOpenAfterMs`);
  if ("counter" in breaker) {
    rejectUnknownKeys(breaker, path, ["counter", "halfOpenAfterMs"]);
    if (typeof breaker.counter !== "function")
      throw new ConfigError(`${path}.counter`, "must be a function that makes a cockatiel IBreaker", fix);
  } else if ("consecutiveFailures" in breaker) {
    rejectUnknownKeys(breaker, path, ["consecutiveFailures", "halfOpenAfterMs"]);
    if (!(Number.isInteger(breaker.consecutiveFailures) && (breaker.consecutiveFailures as number) >= 1)) {
      throw new ConfigError(
        `${path}.consecutiveFailures`,
        `must be a whole number ≥ 1, got ${String(breaker.consecutiveFailures)}`,
        "e.g. `5`",
      );
    }
  } else if ("failureRate" in breaker) {
    rejectUnknownKeys(breaker, path, ["failureRate", "windowMs", "minimumRps", "halfOpenAfterMs"]);
    const rate = breaker.failureRate;
    if (typeof rate !== "number" || !(rate > 0 && rate < 1)) {
      throw new ConfigError(
        `${path}.failureRate`,
        `must be a share between 0 and 1 (exclusive), got ${String(rate)}`,
        "e.g. `0.5` opens when half the calls fail",
      );
    }
    requireDuration(breaker.windowMs, `${path}.windowMs`);
    optionalPositive(breaker.minimumRps, `${path}.minimumRps`, "(calls per second)");
  } else {
    throw new ConfigError(path, "names no way of counting failures", fix);
  }
}

function validateHalfOpen(halfOpen: unknown, path: string): void {
  if (halfOpen === undefined) return;
  const adaptive = "`{ initialMs: 2000, maxMs: 60000, multiplier: 2 }`";
  if (typeof halfOpen !== "object" || halfOpen === null) {
    requireDuration(halfOpen, path, {}, `for a fixed interval, or an adaptive one: ${adaptive}`);
    return;
  }
  requireObject(halfOpen, path, `write a fixed interval in ms, or an adaptive one: ${adaptive}`);
  rejectUnknownKeys(halfOpen, path, ["initialMs", "maxMs", "multiplier"]);
  optionalDuration(halfOpen.initialMs, `${path}.initialMs`);
  optionalDuration(halfOpen.maxMs, `${path}.maxMs`);
  const { initialMs, maxMs } = resolveHalfOpen(halfOpen as HalfOpenBackoffOptions);
  if (maxMs < initialMs) {
    const capGiven = halfOpen.maxMs !== undefined;
    throw new ConfigError(
      `${path}.${capGiven ? "maxMs" : "initialMs"}`,
      capGiven ? `is shorter than \`initialMs\` (${initialMs})` : `is longer than \`maxMs\` (${maxMs} by default)`,
      capGiven ? "give `maxMs` ≥ `initialMs`" : "give `maxMs` too, at least `initialMs`",
    );
  }
  const multiplier = halfOpen.multiplier;
  if (multiplier !== undefined && !(typeof multiplier === "number" && Number.isFinite(multiplier) && multiplier >= 1)) {
    throw new ConfigError(
      `${path}.multiplier`,
      `must be a finite number ≥ 1, got ${describeValue(multiplier)}`,
      "e.g. `2` doubles the interval after each failed probe; `1` keeps it fixed",
    );
  }
}

function validateBulkhead(bulkhead: unknown, path: string): void {
  if (bulkhead === undefined) return;
  requireObject(bulkhead, path, "write `{ maxConcurrent: 10, maxQueued: 20 }`");
  rejectUnknownKeys(bulkhead, path, ["maxConcurrent", "maxQueued"]);
  if (!(Number.isInteger(bulkhead.maxConcurrent) && (bulkhead.maxConcurrent as number) >= 1)) {
    throw new ConfigError(
      `${path}.maxConcurrent`,
      `must be a whole number ≥ 1, got ${String(bulkhead.maxConcurrent)}`,
      "leave `bulkhead` out for no limit",
    );
  }
  if (bulkhead.maxQueued !== undefined && !(Number.isInteger(bulkhead.maxQueued) && (bulkhead.maxQueued as number) >= 0)) {
    throw new ConfigError(
      `${path}.maxQueued`,
      `must be a whole number ≥ 0, got ${String(bulkhead.maxQueued)}`,
      "0 means callers never wait",
    );
  }
}

function validateActions(actions: unknown, path: string): void {
  if (actions === undefined) return;
  requireObject(actions, path, 'write e.g. `{ rate_limit: "fallback" }`');
  for (const [kind, action] of Object.entries(actions)) {
    if (!isModelErrorKind(kind)) {
      throw new ConfigError(
        `${path}.${kind}`,
        `"${kind}" is not a failure kind`,
        "use one of the kinds in `modelErrorKinds` (rate_limit, overloaded, server, …)",
      );
    }
    if (kind === "aborted")
      throw new ConfigError(`${path}.aborted`, "cannot be changed", "an abort always ends the request; remove this key");
    if (!failureActions.includes(action as never)) {
      throw new ConfigError(
        `${path}.${kind}`,
        `"${String(action)}" is not an action`,
        `use one of ${failureActions.map((a) => `"${a}"`).join(", ")}`,
      );
    }
  }
}

function validatePrice(price: unknown, path: string): void {
  if (price === undefined) return;
  requireObject(price, path, "write `{ inputPerMillion: 3, outputPerMillion: 15 }`");
  rejectUnknownKeys(price, path, ["inputPerMillion", "outputPerMillion", "cachedInputPerMillion", "cacheWritePerMillion"]);
  requireNonNegative(price.inputPerMillion, `${path}.inputPerMillion`);
  requireNonNegative(price.outputPerMillion, `${path}.outputPerMillion`);
  optionalNonNegative(price.cachedInputPerMillion, `${path}.cachedInputPerMillion`);
  optionalNonNegative(price.cacheWritePerMillion, `${path}.cacheWritePerMillion`);
}

function validateShadow(shadow: unknown, models: FallbackOptions["models"]): void {
  if (shadow === undefined) return;
  requireObject(shadow, "shadow", 'write `{ model: "<a backup\'s chain id>", sampleRate: 0.05 }`, or leave it out');
  rejectUnknownKeys(shadow, "shadow", shadowKeys);
  const ids = models.map((entry) => entry.id ?? `${entry.model.provider}:${entry.model.modelId}`);
  if (typeof shadow.model !== "string" || !ids.includes(shadow.model)) {
    throw new ConfigError(
      "shadow.model",
      `must be the id of a model in the chain, got ${describeValue(shadow.model)}`,
      `use one of: ${ids.join(", ")}`,
    );
  }
  if (ids.length < 2) {
    throw new ConfigError(
      "shadow.model",
      "is the chain's only model",
      "add the model to compare with to `models`, or leave `shadow` out",
    );
  }
  const rate = shadow.sampleRate;
  if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) {
    throw new ConfigError(
      "shadow.sampleRate",
      `must be a share from 0 to 1, got ${describeValue(rate)}`,
      "e.g. `0.05` sends one request in twenty",
    );
  }
  if (shadow.maxConcurrent !== undefined && !(Number.isInteger(shadow.maxConcurrent) && (shadow.maxConcurrent as number) >= 1)) {
    throw new ConfigError(
      "shadow.maxConcurrent",
      `must be a whole number ≥ 1, got ${describeValue(shadow.maxConcurrent)}`,
      "leave it out for 2",
    );
  }
  if (shadow.maxCostPerHour !== undefined) {
    requirePositive(shadow.maxCostPerHour, "shadow.maxCostPerHour", "(in the unit of the model's `price`)");
    const entry = models[ids.indexOf(shadow.model)];
    if (entry?.price === undefined) {
      throw new ConfigError(
        "shadow.maxCostPerHour",
        `cannot be enforced: the model "${shadow.model}" has no \`price\``,
        "give that model's entry a `price`, or leave `maxCostPerHour` out (then shadow spend is bounded only by `sampleRate` and `maxConcurrent`)",
      );
    }
  }
  optionalDuration(shadow.timeoutMs, "shadow.timeoutMs");
  optionalDuration(shadow.pauseAfterFallbackMs, "shadow.pauseAfterFallbackMs", { zero: true });
  const checksProblem = answerChecksProblem(shadow.answerChecks);
  if (checksProblem) throw new ConfigError(`shadow.answerChecks${checksProblem.at}`, checksProblem.problem, checksProblem.fix);
  if (shadow.random !== undefined && typeof shadow.random !== "function") {
    throw new ConfigError("shadow.random", "must be a function returning a number in [0, 1)", "leave it out for `Math.random`");
  }
}

function validateHealthStore(store: unknown): void {
  if (store === undefined) return;
  requireObject(store, "healthStore", "pass an object implementing `HealthStore`");
  for (const method of ["read", "write", "acquireProbe"]) {
    if (typeof store[method] !== "function") {
      throw new ConfigError(
        `healthStore.${method}`,
        "must be a function",
        "implement the `HealthStore` interface, or leave `healthStore` out for the in-memory store",
      );
    }
  }
}

function optionalOneOf(value: unknown, path: string, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    throw new ConfigError(
      path,
      `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${describeValue(value)}`,
      "pick one of those",
    );
  }
}

function requirePositive(value: unknown, path: string, alternative = ""): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(
      path,
      `must be a positive number, got ${describeValue(value)}`,
      `write a number > 0${alternative ? ` ${alternative}` : ""}`,
    );
  }
}

function optionalPositive(value: unknown, path: string, alternative = ""): void {
  if (value !== undefined) requirePositive(value, path, alternative);
}

function requireNonNegative(value: unknown, path: string): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(path, `must be a number ≥ 0, got ${describeValue(value)}`, "write a finite number ≥ 0");
  }
}

function optionalNonNegative(value: unknown, path: string): void {
  if (value !== undefined) requireNonNegative(value, path);
}
