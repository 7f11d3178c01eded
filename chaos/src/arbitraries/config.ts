import { type FallbackOptions, InMemoryHealthStore, modelErrorKinds } from "@understudy/core";
import { type ScriptedModel, scriptedModel } from "@understudy/testing";
import fc from "fast-check";
import {
  type Built,
  define,
  type Issue,
  leaf,
  objectOf,
  rarely,
  show,
  under,
  unserialisable,
  valid,
  wrong,
} from "./built-value.ts";

// Valid durations are long enough for a healthy 1 ms answer: a chain that is
// accepted must work.
const validDuration = fc.oneof(fc.integer({ min: 200, max: 120_000 }), fc.double({ min: 200, max: 120_000, noNaN: true }));
const notANumber = fc.constantFrom<unknown>(Number.NaN, "100", null, true, {}, [], -Infinity, 10n);
const negative = fc.oneof(
  fc.integer({ min: -1_000_000, max: -1 }),
  fc.double({ min: -1e9, max: -Number.MIN_VALUE, noNaN: true }),
);
/** Values that a validator may refuse or a timer may clamp, but that must never make calls fail. */
const hugeDuration = fc.constantFrom<unknown>(Number.POSITIVE_INFINITY, 2 ** 31, 3e9, 2 ** 53, Number.MAX_VALUE, 1e21);

/** A positive duration (timers, deadline, half-open, cooldown): 0 and below are wrong. */
const positiveDuration = leaf(validDuration, fc.oneof(fc.constant(0), fc.constant(-0), negative, notANumber), hugeDuration);
/** A duration that may be 0 (retry delays). */
const delayDuration = leaf(fc.oneof(fc.constant(0), validDuration), fc.oneof(negative, notANumber), hugeDuration);
/** A timer: a positive duration or `false`. */
const timerDuration = fc.oneof(
  { weight: 30, arbitrary: positiveDuration },
  { weight: 5, arbitrary: valid(false) },
  { weight: 1, arbitrary: wrong(fc.constant(true)) },
);
/** A whole count ≥ `min`. */
const count = (min: number) =>
  leaf(
    fc.integer({ min, max: 6 }),
    fc.oneof(
      fc.integer({ min: -5, max: min - 1 }),
      fc.double({ min: min + 0.1, max: 9.9, noNaN: true, noInteger: true }),
      notANumber,
      fc.constant(Number.POSITIVE_INFINITY),
    ),
    fc.constantFrom<unknown>(2 ** 31, 3e9, Number.MAX_SAFE_INTEGER),
  );

const retry = objectOf({
  maxAttempts: count(1),
  initialDelayMs: delayDuration,
  maxDelayMs: delayDuration,
  maxRetryAfterMs: delayDuration,
});

/** A multiple ≥ 1 (a learned timer's multiplier). */
const multiplier = leaf(
  fc.oneof(fc.constant(1), fc.double({ min: 1, max: 10, noNaN: true })),
  fc.constantFrom<unknown>(0.5, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, "3", null, 10n),
);

/** `timeout.learnFirstToken`: `true`, `false`, or its options. */
const learnFirstToken = fc.oneof(
  { weight: 4, arbitrary: valid(true) },
  { weight: 2, arbitrary: valid(false) },
  { weight: 8, arbitrary: objectOf({ multiplier, minMs: positiveDuration, minSamples: count(1) }) },
  { weight: 1, arbitrary: wrong(fc.constantFrom<unknown>(null, "yes", 1, [])) },
);

const timeout = objectOf({
  attemptMs: timerDuration,
  firstTokenMs: timerDuration,
  idleMs: timerDuration,
  learnFirstToken,
});

/** A hedge delay: a positive duration; `Infinity` and past 2^31 − 1 ms may be refused. */
const hedgeDelay = leaf(
  validDuration,
  fc.oneof(fc.constant(0), fc.constant(-0), negative, notANumber, fc.constantFrom<unknown>("learn", "Learned", "")),
  hugeDuration,
);

/** A learned hedge's bounds: each a duration, and together `maxMs` ≥ `minMs` (defaults 250 and 5 000). */
const learnedHedge: fc.Arbitrary<Built> = objectOf({
  minMs: positiveDuration,
  maxMs: positiveDuration,
  minSamples: count(1),
}).map((built) => {
  const fields = built.value as { minMs?: unknown; maxMs?: unknown };
  const value = { afterMs: "learned", ...(built.value as object) };
  const sound = (key: "minMs" | "maxMs") =>
    !built.issues.some((issue) => issue.path === key) && (fields[key] === undefined || typeof fields[key] === "number");
  const issues: Issue[] = [...built.issues];
  if (sound("minMs") && sound("maxMs")) {
    const minMs = (fields.minMs as number | undefined) ?? 250;
    const maxMs = (fields.maxMs as number | undefined) ?? 5_000;
    if (Math.ceil(maxMs) < Math.ceil(minMs) || maxMs < minMs) {
      // The validator names one of the two, depending on which was given.
      issues.push({ path: "minMs", verdict: "invalid", value: `${show(minMs)} > maxMs ${show(maxMs)}` });
      issues.push({ path: "maxMs", verdict: "invalid", value: `${show(maxMs)} < minMs ${show(minMs)}` });
    }
  }
  return { value, issues };
});

/** A fixed hedge, sometimes with an option only a learned one takes. */
const fixedHedge: fc.Arbitrary<Built> = fc
  .tuple(
    objectOf({ afterMs: hedgeDelay }, { required: ["afterMs"] }),
    rarely(fc.tuple(fc.constantFrom("minMs", "maxMs", "minSamples"), fc.integer({ min: 1, max: 500 })), 20),
  )
  .map(([built, extra]) => {
    if (!extra) return built;
    const value = { ...(built.value as object) };
    define(value as Record<string, unknown>, extra[0], extra[1]);
    return {
      value,
      issues: [...built.issues, { path: extra[0], verdict: "invalid" as const, value: `${extra[1]} on a fixed hedge` }],
    };
  });

/** `hedge`: none, a fixed delay, a learned one, or something that is no hedge at all. */
const hedge = fc.oneof(
  { weight: 4, arbitrary: valid(false) },
  { weight: 8, arbitrary: fixedHedge },
  { weight: 6, arbitrary: learnedHedge },
  { weight: 1, arbitrary: wrong(fc.constantFrom<unknown>(true, null, "fast", 1_500, [])) },
);

/** The chain's hedge budget (top level only). */
const hedging = fc.oneof(
  {
    weight: 20,
    arbitrary: objectOf({
      maxShare: leaf(
        fc.oneof(fc.constantFrom(0, 1, 0.1), fc.double({ min: 0, max: 1, noNaN: true })),
        fc.constantFrom<unknown>(-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "0.1", null, 10),
      ),
      burst: count(1),
      maxPerRequest: count(1),
    }),
  },
  { weight: 1, arbitrary: wrong(fc.constantFrom<unknown>(null, 0.1, "10%", [], true)) },
);

/** `hedging` written on a model (or in `defaults`): a chain option in the wrong place. Mostly absent. */
const misplacedHedging = fc.oneof(
  { weight: 40, arbitrary: fc.constant(undefined as unknown as Built) },
  {
    weight: 1,
    arbitrary: fc.constant<Built>({
      value: { maxShare: 0.1 },
      issues: [{ path: "", verdict: "invalid", value: "hedging on a model" }],
    }),
  },
);

const rate = leaf(
  fc.double({ min: 0.05, max: 0.95, noNaN: true }),
  fc.oneof(fc.constantFrom<unknown>(0, 1, 1.5, -0.1, Number.NaN, "0.5", null), fc.double({ min: 1, max: 100, noNaN: true })),
);

const breaker = fc.oneof(
  { weight: 8, arbitrary: valid(false) },
  {
    weight: 12,
    arbitrary: objectOf(
      { consecutiveFailures: count(1), halfOpenAfterMs: positiveDuration },
      { required: ["consecutiveFailures"] },
    ),
  },
  {
    weight: 10,
    arbitrary: objectOf(
      {
        failureRate: rate,
        windowMs: positiveDuration,
        minimumRps: leaf(fc.double({ min: 0.1, max: 100, noNaN: true }), fc.oneof(fc.constant(0), negative, notANumber)),
        halfOpenAfterMs: positiveDuration,
      },
      { required: ["failureRate", "windowMs"] },
    ),
  },
  { weight: 1, arbitrary: wrong(fc.constantFrom<unknown>(true, null, "open", 5, {})) },
);

const bulkhead = objectOf({ maxConcurrent: count(1), maxQueued: count(0) }, { required: ["maxConcurrent"] });
const cooldown = objectOf({ quotaMs: positiveDuration });

const kinds = modelErrorKinds.filter((kind) => kind !== "aborted");
const onFailure = fc.oneof(
  {
    weight: 30,
    arbitrary: fc
      .dictionary(fc.constantFrom(...kinds), fc.constantFrom("retry", "fallback", "surface"), { maxKeys: 3 })
      .map((value) => ({ value, issues: [] })),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constant<Built>({ value: { aborted: "retry" }, issues: [{ path: "aborted", verdict: "invalid", value: '"retry"' }] }),
      fc.constant<Built>({
        value: { overloadd: "retry" },
        issues: [{ path: "overloadd", verdict: "invalid", value: '"retry"' }],
      }),
      fc
        .constantFrom(...kinds)
        .map(
          (kind): Built => ({ value: { [kind]: "explode" }, issues: [{ path: kind, verdict: "invalid", value: '"explode"' }] }),
        ),
    ),
  },
  { weight: 1, arbitrary: wrong(fc.constantFrom<unknown>("retry", null, 3)) },
);

const price = objectOf(
  {
    inputPerMillion: leaf(fc.double({ min: 0, max: 100, noNaN: true }), fc.oneof(negative, notANumber)),
    outputPerMillion: leaf(fc.double({ min: 0, max: 100, noNaN: true }), fc.oneof(negative, notANumber)),
  },
  { required: ["inputPerMillion", "outputPerMillion"] },
);

const providerOptions = fc.oneof(
  { weight: 20, arbitrary: fc.constant<Built>({ value: { scripted: { seed: 1 } }, issues: [] }) },
  { weight: 1, arbitrary: wrong(fc.constantFrom<unknown>("openai", null, [])) },
  {
    weight: 1,
    arbitrary: unserialisable.map(
      (schema): Built => ({
        value: { scripted: schema },
        issues: [{ path: "", verdict: "ambiguous", value: "a cycle or a BigInt" }],
      }),
    ),
  },
);

/** Stands for a healthy scripted model until {@link materialise} makes a fresh one. */
export class HealthyModel {
  readonly modelId: string;
  readonly text: string;

  constructor(modelId: string, text: string) {
    this.modelId = modelId;
    this.text = text;
  }
}

/** Stands for a fresh in-memory health store. */
const inMemoryStore = Object.freeze({ placeholder: "InMemoryHealthStore" });

/**
 * The options with fresh live objects in place of the placeholders (generated
 * values are replayed while shrinking: nothing in them may hold state), and
 * the models made, in chain order.
 */
export function materialise(config: GeneratedConfig): { options: FallbackOptions; models: ScriptedModel[] } {
  const models: ScriptedModel[] = [];
  const copy = (source: object): Record<string, unknown> => {
    const target: Record<string, unknown> = {};
    for (const key of Object.keys(source)) define(target, key, (source as Record<string, unknown>)[key]);
    return target;
  };
  if (typeof config.options !== "object" || config.options === null)
    return { options: config.options as FallbackOptions, models };
  const options = copy(config.options);
  if (options.healthStore === inMemoryStore) options.healthStore = new InMemoryHealthStore();
  if (Array.isArray(options.models)) {
    define(
      options,
      "models",
      options.models.map((entry: unknown) => {
        if (typeof entry !== "object" || entry === null) return entry;
        const live = copy(entry);
        if (live.model instanceof HealthyModel) {
          const model = scriptedModel({
            modelId: live.model.modelId,
            default: { text: live.model.text, delayMs: 1, chunkDelayMs: 1 },
          });
          models.push(model);
          live.model = model;
        }
        return live;
      }),
    );
  }
  return { options: options as unknown as FallbackOptions, models };
}

const section = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 30, arbitrary }, { weight: 1, arbitrary: wrong(fc.constantFrom<unknown>(null, "fast", 5, [], true)) });

/** The policy fields, for a chain entry or for `defaults`. */
const policyFields = {
  retry: section(retry),
  timeout: section(timeout),
  breaker,
  bulkhead: section(bulkhead),
  cooldown: section(cooldown),
  onFailure,
  acceptsPrefill: leaf(fc.boolean(), fc.constantFrom<unknown>("yes", 1, null)),
  policy: fc.oneof(
    { weight: 20, arbitrary: valid(undefined) },
    { weight: 1, arbitrary: wrong(fc.constantFrom<unknown>({}, "timeout", { execute: 1 })) },
  ),
  hedge,
  hedging: misplacedHedging,
};

/** One chain entry's options besides the model (which the property makes). */
const entryFields = fc.tuple(
  objectOf({ ...policyFields, price, providerOptions }),
  fc.option(
    fc.oneof(
      { weight: 20, arbitrary: valid("unique") },
      { weight: 1, arbitrary: wrong(fc.constantFrom<unknown>("", "   ", 7, null)) },
      { weight: 1, arbitrary: valid("duplicate") },
    ),
    { nil: undefined },
  ),
  fc.oneof(
    { weight: 40, arbitrary: fc.constant("scripted" as const) },
    { weight: 1, arbitrary: fc.constantFrom("missing", "null", "empty", "no-methods", "string") },
  ),
);

/** A generated `createFallback` options object, the healthy texts of its models, and what is wrong with it. */
export interface GeneratedConfig {
  readonly options: unknown;
  readonly issues: readonly Issue[];
  /** Each entry's id, when the entry has a working model. */
  readonly ids: readonly (string | undefined)[];
  /** Each entry's answer text. */
  readonly texts: readonly string[];
}

/** Chains of 1–4 scripted models with random (and hostile) policy settings, plus hostile top-level options. */
export function configArbitrary(): fc.Arbitrary<GeneratedConfig> {
  const models = fc.array(entryFields, { minLength: 1, maxLength: 4 });
  const top = objectOf({
    deadlineMs: leaf(validDuration, fc.oneof(fc.constant(0), negative, notANumber), hugeDuration),
    midStream: leaf(fc.constantFrom("error", "restart", "continue"), fc.constantFrom<unknown>("bogus", 1, null, "")),
    whenAllUnavailable: leaf(fc.constantFrom("try-nearest", "fail"), fc.constantFrom<unknown>("nearest", false)),
    defaults: section(objectOf(policyFields)),
    healthStore: leaf(fc.constant(inMemoryStore), fc.constantFrom<unknown>({}, "redis", { read: 1 })),
    hedging,
  });
  const emptyModels = fc.constantFrom<unknown>([], "gpt", null, {});
  return fc
    .tuple(models, top, rarely(emptyModels, 40), fc.integer({ min: 0, max: 1e6 }))
    .map(([entries, topBuilt, badModels, salt]) => {
      const texts = entries.map((_, index) => `answer ${salt} from model ${index}`);
      const issues: Issue[] = [...topBuilt.issues];
      const ids: (string | undefined)[] = [];
      const built = entries.map(([fields, id, model], index) => {
        const entry = { ...(fields.value as Record<string, unknown>) };
        const path = `models[${index}]`;
        issues.push(...under(path, fields));
        const modelId = `m${index}`;
        const adapter = modelOf(model, modelId, texts[index] ?? "");
        if (adapter.issue) issues.push({ path: `${path}.model`, verdict: "invalid", value: model });
        if (adapter.value !== undefined) define(entry, "model", adapter.value);
        let entryId: string | undefined = adapter.issue ? undefined : `scripted:${modelId}`;
        if (id) {
          if (id.value === "unique") entryId = `entry-${index}`;
          else if (id.value === "duplicate" && index > 0) {
            entryId = ids[0] ?? "scripted:m0";
            issues.push({ path: `${path}.id`, verdict: "invalid", value: `duplicate ${show(entryId)}` });
          } else if (id.value === "duplicate") entryId = "entry-0";
          else {
            entryId = undefined;
            issues.push(...under(`${path}.id`, id));
          }
          define(entry, "id", entryId ?? id.value);
        }
        ids.push(entryId);
        return entry;
      });
      const options = { ...(topBuilt.value as Record<string, unknown>) };
      if (badModels !== undefined) {
        define(options, "models", badModels);
        issues.push({ path: "models", verdict: "invalid", value: show(badModels) });
      } else define(options, "models", built);
      return { options, issues, ids, texts };
    });
}

function modelOf(shape: string, modelId: string, text: string): { value?: unknown; issue: boolean } {
  switch (shape) {
    case "scripted":
      return { value: new HealthyModel(modelId, text), issue: false };
    case "missing":
      return { issue: true };
    case "null":
      return { value: null, issue: true };
    case "empty":
      return { value: {}, issue: true };
    case "no-methods":
      return { value: { provider: "scripted", modelId }, issue: true };
    default:
      return { value: `scripted:${modelId}`, issue: true };
  }
}
