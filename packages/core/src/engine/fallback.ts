import { policyDefaults, resolveModelSettings } from "../config/model-settings.ts";
import type { CallOptions, FallbackOptions, HedgingOptions } from "../config/options.ts";
import { validateCallOptions } from "../config/validate-call-options.ts";
import { validateOptions } from "../config/validate-options.ts";
import { validateRequest } from "../config/validate-request.ts";
import { RequestError } from "../errors/request-error.ts";
import type { AttemptWrapper } from "../events/fallback-events.ts";
import { SafeEmitter } from "../events/safe-emitter.ts";
import { type HealthStore, InMemoryHealthStore } from "../health/health-store.ts";
import { sharedLatencyFrom } from "../health/latency-tracker.ts";
import type { BreakerTransition, ModelHealthSnapshot } from "../health/model-health.ts";
import { ShadowSampler } from "../shadow/shadow-sampler.ts";
import type { ChatRequest } from "../spec/chat-request.ts";
import { FallbackStream } from "../streaming/fallback-stream.ts";
import type { FallbackResult } from "./fallback-result.ts";
import { HedgeBudget } from "./hedge-budget.ts";
import { ModelSlot } from "./model-slot.ts";
import { performGenerate } from "./perform-generate.ts";
import { type HedgingLimits, RequestRun } from "./request-run.ts";
import { walkChain } from "./walk-chain.ts";

/** A model's health plus its bulkhead's load, as `Fallback.health()` reports it. */
export interface ModelStatus extends ModelHealthSnapshot {
  /** The provider. */
  readonly provider: string;
  /** The model id as the provider knows it. */
  readonly modelId: string;
  /** Calls in flight through the bulkhead (0 without one). */
  readonly inFlight: number;
  /** Calls waiting for a bulkhead slot. */
  readonly queued: number;
}

const noTags: Readonly<Record<string, string>> = Object.freeze({});

const transitionEvents = { open: "breakerOpen", half_open: "breakerHalfOpen", closed: "breakerClose" } as const;

/**
 * An ordered chain of models answering as one. Each request walks the chain
 * on its own; what requests share is each model's health. Emits typed events
 * (see {@link FallbackEvents}).
 *
 * Build it with {@link createFallback}.
 */
export class Fallback extends SafeEmitter {
  private readonly slots: readonly ModelSlot[];
  private readonly options: FallbackOptions;
  private readonly attemptWrappers: AttemptWrapper[] = [];
  private readonly closers = new Set<() => void | Promise<void>>();
  private closing: Promise<void> | undefined;
  private readonly shadow: ShadowSampler | undefined;
  private readonly hedging: HedgingLimits | undefined;

  /** @param options - validated by {@link createFallback}'s rules; throws `ConfigError` */
  constructor(options: FallbackOptions) {
    super();
    validateOptions(options);
    this.options = options;
    const store: HealthStore = options.healthStore ?? new InMemoryHealthStore();
    const onTransition = (transition: BreakerTransition): void => {
      const { state, ...event } = transition;
      this.emit(transitionEvents[state], event);
    };
    this.slots = options.models.map((entry) => new ModelSlot(resolveModelSettings(entry, options.defaults), store, onTransition));
    const unsubscribe = store.subscribe?.((event) => {
      if (event.type === "change") this.slots.find((slot) => slot.id === event.modelId)?.health.observe(event.record);
      if (event.type === "latency") this.adoptLatency(event.modelId, event.latency);
      this.emit("healthStore", event);
    });
    this.readSharedLatency(store);
    if (unsubscribe) this.closers.add(unsubscribe);
    this.hedging = this.slots.some((slot) => slot.settings.hedge) ? hedgingLimits(options.hedging) : undefined;
    const shadowSlot = options.shadow && this.slots.find((slot) => slot.id === options.shadow?.model);
    this.shadow = options.shadow && shadowSlot ? new ShadowSampler(options.shadow, shadowSlot, this) : undefined;
  }

  /**
   * Flushes and closes what the chain owns: its subscription to a shared
   * health store, and whatever an integration registered with
   * {@link Fallback.onClose} (a log sink, an exporter). Resolves once all of
   * them are done, and never rejects: one that fails is reported as
   * `listenerError` (event `close`), so a `close()` nobody awaits cannot
   * become an unhandled rejection. Calling it again returns the same promise.
   * A chain on the in-memory store with no integration holds nothing open.
   * With `shadow` sampling, shadow calls in flight are aborted first and
   * reported (event `shadow`), so that a request log still records them.
   */
  close(): Promise<void> {
    this.closing ??= (this.shadow?.close() ?? Promise.resolve()).then(() =>
      Promise.allSettled([...this.closers].map(async (close) => close())).then((outcomes) => {
        for (const outcome of outcomes) {
          if (outcome.status === "rejected") this.emit("listenerError", { event: "close", error: outcome.reason });
        }
      }),
    );
    return this.closing;
  }

  /** Takes in another process's learned latencies of a model that learns them, checked first: anyone may publish. */
  private adoptLatency(modelId: string, shared: unknown): void {
    const slot = this.slots.find((s) => s.id === modelId);
    const latency = slot?.learnsLatency ? sharedLatencyFrom(shared) : undefined;
    if (slot && latency) slot.latency.adopt(latency);
  }

  /** The fleet's latencies of a model as its store read them, taken in; whatever the store did, nothing escapes. */
  private async adoptStoredLatency(store: HealthStore, slot: ModelSlot): Promise<void> {
    try {
      this.adoptLatency(slot.id, await store.readLatency?.(slot.id));
    } catch {
      // A store that cannot read leaves this process to learn on its own.
    }
  }

  /** A new chain starts from what the fleet learned, when its store keeps it; until it arrives, the configured timers hold. */
  private readSharedLatency(store: HealthStore): void {
    if (!store.readLatency) return;
    for (const slot of this.slots) if (slot.learnsLatency) void this.adoptStoredLatency(store, slot);
  }

  /**
   * Registers something the chain owns, to be flushed and closed by
   * {@link Fallback.close}. Returns a function that unregisters it.
   */
  onClose(close: () => void | Promise<void>): () => void {
    this.closers.add(close);
    return () => this.closers.delete(close);
  }

  /**
   * Runs every attempt's call to its adapter inside `wrapper` (OpenTelemetry
   * makes the attempt's span active this way), the first registered
   * outermost. A wrapper that throws is reported as `listenerError` and the
   * call runs regardless. Returns a function that removes it.
   */
  wrapAttempts(wrapper: AttemptWrapper): () => void {
    this.attemptWrappers.push(wrapper);
    return () => {
      const index = this.attemptWrappers.indexOf(wrapper);
      if (index >= 0) this.attemptWrappers.splice(index, 1);
    };
  }

  /** The chain's model ids, in order. */
  get modelIds(): readonly string[] {
    return this.slots.map((slot) => slot.id);
  }

  /**
   * Answers a request with the first model that can. Rejects with a
   * `RequestError` (the request is invalid for any model), a `ModelError`
   * whose kind surfaces (`invalid_request`, `content_filter`, `aborted`), or a
   * `FallbackExhaustedError` (no model answered).
   *
   * @example
   * ```ts
   * const result = await chat.generate({ messages: [{ role: "user", content: "Hi" }], maxTokens: 200 });
   * console.log(result.text, result.model, result.fallbacks, result.cost.total);
   * ```
   */
  async generate(request: ChatRequest, options: CallOptions = {}): Promise<FallbackResult> {
    const run = this.prepareRun(request, options, "generate")();
    try {
      const walk = walkChain(run, performGenerate);
      let step = await walk.next();
      while (!step.done) step = await walk.next();
      return step.value;
    } catch (error) {
      throw run.fail(error);
    } finally {
      run.dispose();
    }
  }

  /**
   * Streams a request's answer from the first model that can. Failover before
   * the first part reaches the caller is invisible; after it, see `midStream`.
   * Throws a `RequestError` at once for a request invalid for any model.
   *
   * @example
   * ```ts
   * const stream = chat.stream({ messages: [{ role: "user", content: "Hi" }] }, { signal });
   * for await (const part of stream) {
   *   if (part.type === "text-delta") process.stdout.write(part.text);
   *   if (part.type === "reset") clearShownText(); // only with midStream: "restart"
   * }
   * const { model, usage } = await stream.result;
   * ```
   */
  stream(request: ChatRequest, options: CallOptions = {}): FallbackStream {
    return new FallbackStream(this.prepareRun(request, options, "stream"));
  }

  /** Each model's health and load, in chain order. */
  health(): ModelStatus[] {
    const now = Date.now();
    return this.slots.map((slot) => ({
      ...slot.health.snapshot(now),
      provider: slot.settings.adapter.provider,
      modelId: slot.settings.adapter.modelId,
      inFlight: slot.bulkhead?.inFlight ?? 0,
      queued: slot.bulkhead?.queued ?? 0,
    }));
  }

  /** Holds a model's breaker open (no calls) until {@link Fallback.reset}. */
  isolate(modelId: string): void {
    this.slot(modelId).health.isolate();
  }

  /** Closes a model's breaker, ends its cooldown and clears its failure counts. */
  reset(modelId: string): void {
    this.slot(modelId).health.reset();
  }

  private slot(modelId: string): ModelSlot {
    const slot = this.slots.find((s) => s.id === modelId);
    if (!slot) throw new RequestError("modelId", `"${modelId}" is not in this chain`, `use one of: ${this.modelIds.join(", ")}`);
    return slot;
  }

  /** Validates a call at once and returns what starts it: a stream starts only when it is read. */
  private prepareRun(request: ChatRequest, options: CallOptions, method: "generate" | "stream"): () => RequestRun {
    validateRequest(request);
    validateCallOptions(options);
    const deadlineMs = options.deadlineMs ?? this.options.deadlineMs;
    const settings = {
      method,
      wrappers: this.attemptWrappers,
      slots: this.chainFor(options.models),
      emitter: this,
      signal: options.signal,
      // Infinity says "no deadline", here and in config alike.
      deadlineMs: deadlineMs === Number.POSITIVE_INFINITY ? undefined : deadlineMs,
      midStream: options.midStream ?? this.options.midStream ?? "error",
      // A copy: the caller may reuse and change its object while the request runs.
      tags: options.tags ? Object.freeze({ ...options.tags }) : noTags,
      answerChecks: options.answerChecks ? Object.freeze([...options.answerChecks]) : [],
      bufferAnswers: options.bufferAnswers === true,
      whenAllUnavailable: this.options.whenAllUnavailable ?? "try-nearest",
      ...(this.shadow ? { observer: this.shadow } : {}),
      ...(this.hedging ? { hedging: this.hedging } : {}),
    };
    const { hedging } = this;
    return () => {
      hedging?.budget.earn();
      return new RequestRun(request, settings);
    };
  }

  private chainFor(ids: readonly string[] | undefined): readonly ModelSlot[] {
    if (ids === undefined) return this.slots;
    if (!Array.isArray(ids) || ids.length === 0) {
      throw new RequestError(
        "options.models",
        "must be a non-empty array of model ids",
        `use ids from: ${this.modelIds.join(", ")}`,
      );
    }
    for (const [index, id] of ids.entries()) {
      if (!this.slots.some((slot) => slot.id === id)) {
        throw new RequestError(
          `options.models[${index}]`,
          `"${id}" is not in this chain`,
          `use ids from: ${this.modelIds.join(", ")}`,
        );
      }
    }
    return this.slots.filter((slot) => ids.includes(slot.id));
  }
}

function hedgingLimits(options: HedgingOptions = {}): HedgingLimits {
  const defaults = policyDefaults.hedging;
  return {
    budget: new HedgeBudget(options.maxShare ?? defaults.maxShare, options.burst ?? defaults.burst),
    maxPerRequest: options.maxPerRequest ?? defaults.maxPerRequest,
  };
}

/**
 * Builds a fallback chain. Throws a `ConfigError` naming the field and the fix
 * for a configuration that cannot work.
 *
 * @example
 * ```ts
 * const chat = createFallback({
 *   models: [
 *     { model: anthropic("claude-sonnet-4-6"), retry: { maxAttempts: 2 } },
 *     { model: openai("gpt-4.1-mini"), breaker: { consecutiveFailures: 5, halfOpenAfterMs: 10_000 } },
 *   ],
 *   deadlineMs: 60_000,
 * });
 * const res = await chat.generate({ messages: [{ role: "user", content: "Hi" }], maxTokens: 200 });
 * ```
 */
export function createFallback(options: FallbackOptions): Fallback {
  return new Fallback(options);
}
