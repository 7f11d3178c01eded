// What the in-process Redis tests share: one redis-server per test file, a
// fresh key prefix per test, stores and pipelines closed after each test, and
// ways to wait for an event or a condition instead of sleeping.
import { type BreakerOptions, createFallback, type Fallback, type HealthStoreEvent } from "@understudy/core";
import { type ScriptedModel, type ScriptStep, scriptedModel } from "@understudy/testing";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll } from "vitest";
import { RedisHealthStore, type RedisHealthStoreOptions } from "../redis-health-store.ts";
import { startTestRedis, type TestRedis } from "./redis-server.ts";

/** The model id the scripted primary gets in a chain. */
export const primaryId = "scripted:primary";

/** A replica's pipeline: a scripted primary, a healthy backup, health in Redis. */
export interface TestReplica {
  /** Its health store. */
  readonly store: RedisHealthStore;
  /** The first model of its chain. */
  readonly primary: ScriptedModel;
  /** The second, always healthy. */
  readonly backup: ScriptedModel;
  /** The chain. */
  readonly chat: Fallback;
  /** Every `healthStore` event the chain reported. */
  readonly events: HealthStoreEvent[];
}

/** What a pipeline's primary does and how its breaker is set. */
export interface ReplicaSetup {
  /** Every call to the primary (default: a 529 overload), or the outcome of each call in order. */
  readonly primary?: ScriptStep | ((call: number) => ScriptStep);
  /** The primary's breaker. Default: 2 consecutive failures, half-open after 300 ms. */
  readonly breaker?: BreakerOptions;
}

/** The Redis of a test file and what a test makes on it. */
export interface RedisFixture {
  /** The server (started before the file's first test). */
  server(): TestRedis;
  /** The current test's key prefix. */
  prefix(): string;
  /** The key of a model's record under the current prefix. */
  keyOf(modelId: string): string;
  /** The current test's model-id set key. */
  modelSetKey(): string;
  /** The current test's channel. */
  channel(): string;
  /** A store on the current prefix, closed after the test. */
  store(name: string, options?: Partial<RedisHealthStoreOptions>): RedisHealthStore;
  /** A pipeline with its own store, closed after the test. */
  replica(name: string, options?: Partial<RedisHealthStoreOptions>, setup?: ReplicaSetup): TestReplica;
  /** Runs `use` on a fresh connection, closed before it returns (a test leaves no socket behind). */
  withAdmin<T>(use: (admin: Redis) => Promise<T>): Promise<T>;
}

/** Starts a redis-server for the calling `describe` block and cleans up after each test. */
export function useRedisFixture(): RedisFixture {
  let redis: TestRedis | undefined;
  let round = 0;
  const open: { close(): unknown }[] = [];
  const server = (): TestRedis => {
    if (!redis) throw new Error("the test redis-server is not started yet");
    return redis;
  };
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.kill();
  });
  afterEach(async () => {
    // Last made, first closed: a chain before its store, as an app shuts down.
    for (const resource of open.splice(0).reverse()) await resource.close();
    round++;
  });
  const prefix = () => `test${round}`;
  const store = (name: string, options: Partial<RedisHealthStoreOptions> = {}) => {
    const created = new RedisHealthStore({ redis: server().url, keyPrefix: prefix(), processId: name, ...options });
    open.push(created);
    return created;
  };
  return {
    server,
    prefix,
    keyOf: (modelId) => `${prefix()}:health:${modelId}`,
    modelSetKey: () => `${prefix()}:models`,
    channel: () => `${prefix()}:health`,
    store,
    replica: (name, options = {}, setup = {}) => {
      const replicaStore = store(name, options);
      const answers = setup.primary ?? { error: "overloaded", status: 529 };
      const primary = scriptedModel({
        modelId: "primary",
        ...(typeof answers === "function" ? { script: (call: number) => answers(call) } : { default: answers }),
      });
      const backup = scriptedModel({ modelId: "backup" });
      const chat = createFallback({
        models: [
          {
            model: primary,
            retry: { maxAttempts: 1 },
            breaker: setup.breaker ?? { consecutiveFailures: 2, halfOpenAfterMs: 300 },
          },
          { model: backup },
        ],
        healthStore: replicaStore,
      });
      const events: HealthStoreEvent[] = [];
      chat.on("healthStore", (event) => events.push(event));
      open.push(chat);
      return { store: replicaStore, primary, backup, chat, events };
    },
    withAdmin: async (use) => {
      const admin = new Redis(server().url);
      try {
        return await use(admin);
      } finally {
        await admin.quit();
      }
    },
  };
}

/** Resolves at the chain's store event that `matches`; the way to wait for propagation without sleeping. */
export function nextEvent(chat: Fallback, matches: (event: HealthStoreEvent) => boolean): Promise<HealthStoreEvent> {
  return new Promise((resolve) => {
    const listener = (event: HealthStoreEvent) => {
      if (!matches(event)) return;
      chat.off("healthStore", listener);
      resolve(event);
    };
    chat.on("healthStore", listener);
  });
}

/** Resolves at the store's own event that `matches` (a store used without a chain). */
export function nextStoreEvent(
  store: RedisHealthStore,
  matches: (event: HealthStoreEvent) => boolean,
): Promise<HealthStoreEvent> {
  return new Promise((resolve) => {
    const unsubscribe = store.subscribe((event) => {
      if (!matches(event)) return;
      unsubscribe();
      resolve(event);
    });
  });
}

/** Rejects when `promise` has not settled within `ms`: a failing test fails fast instead of at the test timeout. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls an async condition until it holds; rejects after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs = 1_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** True for a `change` event that opens the breaker. */
export const opened = (event: HealthStoreEvent): boolean => event.type === "change" && event.record.breaker === "open";

/** True for a `change` event that closes the breaker. */
export const closed = (event: HealthStoreEvent): boolean => event.type === "change" && event.record.breaker === "closed";
