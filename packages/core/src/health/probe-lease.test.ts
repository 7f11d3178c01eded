import { scriptedModel } from "@understudy/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createFallback, type FallbackEvent, type HealthStore, InMemoryHealthStore, isFallbackExhaustedError } from "../index.ts";
import type { ModelHealthRecord } from "./health-store.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };
const breaker = { consecutiveFailures: 1, halfOpenAfterMs: 10_000 };

beforeEach(() => {
  vi.useFakeTimers();
});

/** An in-memory store whose probe grant takes a while, as a shared store's round trip does. */
class SlowGrantStore implements HealthStore {
  private readonly inner = new InMemoryHealthStore();
  private readonly grantDelayMs: number;
  constructor(grantDelayMs: number) {
    this.grantDelayMs = grantDelayMs;
  }
  read(modelId: string): ModelHealthRecord | undefined {
    return this.inner.read(modelId);
  }
  write(modelId: string, record: ModelHealthRecord): void {
    this.inner.write(modelId, record);
  }
  async acquireProbe(modelId: string, now: number, leaseMs: number): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, this.grantDelayMs));
    return this.inner.acquireProbe(modelId, now, leaseMs);
  }
}

describe("the half-open probe is a lease handed back on every path", () => {
  it("a probe that meets a full bulkhead hands the model back at once", async () => {
    const { promise: gate, resolve: openGate } = Promise.withResolvers<void>();
    const primary = scriptedModel({ modelId: "primary", script: [{ error: "server" }, { gate }] });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({
      models: [{ model: primary, retry: { maxAttempts: 1 }, breaker, bulkhead: { maxConcurrent: 1 } }, { model: backup }],
    });
    await chat.generate(request); // opens the breaker
    await vi.advanceTimersByTimeAsync(5_000);
    // Every model of this call is unavailable: one forced call takes the bulkhead's only slot.
    const holder = chat.generate(request, { models: ["scripted:primary"] });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(primary.inFlight).toBe(1);

    const probeMetFullBulkhead = await chat.generate(request);
    expect(probeMetFullBulkhead.model).toBe("scripted:backup");
    expect(probeMetFullBulkhead.attempts[0]).toMatchObject({ outcome: "skipped", skipReason: "bulkhead_full" });
    expect(chat.health()[0]?.breaker).toBe("open");

    openGate();
    await holder;
    const next = await chat.generate(request);
    expect(next.attempts[0]).toMatchObject({ model: "scripted:primary", probe: true, outcome: "success" });
    expect(chat.health()[0]?.breaker).toBe("closed");
  });

  it.each([
    ["the caller aborts", "abort"],
    ["the deadline passes", "deadline"],
  ] as const)("a probe granted by a slow store after %s is handed back", async (_name, how) => {
    const primary = scriptedModel({ modelId: "primary", script: [{ error: "server" }] });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({
      models: [{ model: primary, retry: { maxAttempts: 1 }, breaker }, { model: backup }],
      healthStore: new SlowGrantStore(100),
    });
    await chat.generate(request);
    await vi.advanceTimersByTimeAsync(10_000);
    const controller = new AbortController();
    const options = how === "abort" ? { signal: controller.signal } : { deadlineMs: 50 };
    const cut = chat.generate(request, options).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(50);
    controller.abort();
    await vi.advanceTimersByTimeAsync(100);
    const error = await cut;
    expect(how === "abort" ? (error as { kind?: string }).kind : isFallbackExhaustedError(error)).toBe(
      how === "abort" ? "aborted" : true,
    );
    expect(primary.calls).toHaveLength(1);
    expect(chat.health()[0]?.breaker).toBe("open");

    const next = chat.generate(request);
    await vi.advanceTimersByTimeAsync(100);
    expect((await next).attempts[0]).toMatchObject({ model: "scripted:primary", probe: true, outcome: "success" });
  });

  it("the all-unavailable rule never calls a model whose probe is in flight", async () => {
    const { promise: gate, resolve: openGate } = Promise.withResolvers<void>();
    const only = scriptedModel({ modelId: "only", script: [{ error: "server" }, { gate }] });
    const chat = createFallback({ models: [{ model: only, retry: { maxAttempts: 1 }, breaker }] });
    await chat.generate(request).catch(() => {});
    await vi.advanceTimersByTimeAsync(10_000);
    const probe = chat.generate(request);
    await vi.advanceTimersByTimeAsync(0);
    expect(only.inFlight).toBe(1);

    const error = await chat.generate(request).catch((e: unknown) => e);
    expect(isFallbackExhaustedError(error) && error.reason).toBe("all_unavailable");
    expect(only.calls).toHaveLength(2);
    openGate();
    expect((await probe).model).toBe("scripted:only");
  });
});

describe("a switch is announced only when the next model is called", () => {
  function switches(chat: ReturnType<typeof createFallback>): string[] {
    const seen: string[] = [];
    chat.on("fallback", (event: FallbackEvent) => seen.push(`${event.from}→${event.to}:${event.reason}`));
    return seen;
  }

  it("a model skipped for a full bulkhead is not switched to", async () => {
    const { promise: gate, resolve: openGate } = Promise.withResolvers<void>();
    const a = scriptedModel({ modelId: "a", default: { error: "server" } });
    const b = scriptedModel({ modelId: "b", script: [{ gate }] });
    const c = scriptedModel({ modelId: "c" });
    const chat = createFallback({
      models: [{ model: a, retry: { maxAttempts: 1 } }, { model: b, bulkhead: { maxConcurrent: 1 } }, { model: c }],
    });
    const holder = chat.generate(request, { models: ["scripted:b"] });
    await vi.advanceTimersByTimeAsync(0);
    const seen = switches(chat);
    expect((await chat.generate(request)).model).toBe("scripted:c");
    expect(seen).toEqual(["scripted:a→scripted:c:server"]);
    openGate();
    await holder;
  });

  it("a retry refused for a full bulkhead still announces the switch away from the model", async () => {
    const { promise: gate, resolve: openGate } = Promise.withResolvers<void>();
    const a = scriptedModel({ modelId: "a", default: { error: "server" } });
    const b = scriptedModel({ modelId: "b", script: [{ error: "server" }, { gate }] });
    const c = scriptedModel({ modelId: "c" });
    const chat = createFallback({
      models: [
        { model: a, retry: { maxAttempts: 1 } },
        { model: b, retry: { maxAttempts: 2, initialDelayMs: 100, maxDelayMs: 100 }, bulkhead: { maxConcurrent: 1 } },
        { model: c },
      ],
    });
    const seen = switches(chat);
    const pending = chat.generate(request);
    await vi.advanceTimersByTimeAsync(0);
    // During b's backoff, another request takes b's only slot.
    const holder = chat.generate(request, { models: ["scripted:b"] });
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await pending).model).toBe("scripted:c");
    expect(seen).toEqual(["scripted:a→scripted:b:server", "scripted:b→scripted:c:server"]);
    openGate();
    await holder;
  });
});

describe("a breaker that closes starts counting from zero", () => {
  it("after another chain sharing the store closed it, one failure does not re-open it", async () => {
    const store = new InMemoryHealthStore();
    const shared = { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 10_000 } };
    const replica = (name: string, script: { error?: "server" }[]) => {
      const primary = scriptedModel({ modelId: "primary", script });
      const backup = scriptedModel({ modelId: `backup-${name}` });
      return createFallback({ models: [{ model: primary, ...shared }, { model: backup }], healthStore: store });
    };
    const b = replica("b", [{ error: "server" }, { error: "server" }, { error: "server" }]);
    const a = replica("a", [{ error: "server" }, { error: "server" }, { error: "server" }, {}]);
    await b.generate(request);
    await b.generate(request); // b has counted 2 of 3
    for (let i = 0; i < 3; i++) await a.generate(request); // a opens the breaker for both
    expect(b.health()[0]?.breaker).toBe("open");
    await vi.advanceTimersByTimeAsync(10_000);
    await a.generate(request); // a's probe succeeds: closed for both
    expect(b.health()[0]?.breaker).toBe("closed");

    await b.generate(request); // one new failure on b
    expect(b.health()[0]?.breaker).toBe("closed");
  });

  it("a change announced by a shared store resets the count even if this chain never saw it open", async () => {
    const listeners = new Set<(event: { type: "change"; modelId: string; record: ModelHealthRecord }) => void>();
    const inner = new InMemoryHealthStore();
    const store: HealthStore = {
      read: (id) => inner.read(id),
      write: (id, record) => inner.write(id, record),
      acquireProbe: (id, now, lease) => inner.acquireProbe(id, now, lease),
      subscribe: (listener) => {
        listeners.add(listener as never);
        return () => listeners.delete(listener as never);
      },
    };
    const primary = scriptedModel({ modelId: "primary", default: { error: "server" } });
    const backup = scriptedModel({ modelId: "backup" });
    const chat = createFallback({
      models: [{ model: primary, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 3 } }, { model: backup }],
      healthStore: store,
    });
    await chat.generate(request);
    await chat.generate(request);
    // Another process opened and closed it while this one sent nothing.
    const open = {
      breaker: "open",
      reopenAt: Date.now() + 1_000,
      probeLeaseUntil: 0,
      cooldownUntil: 0,
      cooldownReason: undefined,
    };
    for (const listener of listeners)
      listener({ type: "change", modelId: "scripted:primary", record: open as ModelHealthRecord });
    for (const listener of listeners) {
      listener({
        type: "change",
        modelId: "scripted:primary",
        record: { ...open, breaker: "closed", reopenAt: 0 } as ModelHealthRecord,
      });
    }
    await chat.generate(request);
    expect(chat.health()[0]?.breaker).toBe("closed");
    chat.close();
  });
});
