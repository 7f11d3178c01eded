// Minimal repros of the issues this suite found that are still open (see
// `openIssues` in harness/known-issues.ts). Each test asserts the right
// behaviour; while its issue is open it is expected to fail (`it.fails`), so
// the suite stays green and a fix shows at once: the repro then passes, which
// fails the expected failure until the id leaves `openIssues`, and the test
// becomes a plain regression test. `CHAOS_STRICT=1` runs them all as plain
// tests (red while open).
import {
  createFallback,
  type FallbackStream,
  type FallbackStreamPart,
  isModelError,
  isStreamInterruptedError,
} from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { visibleText } from "./harness/call-invariants.ts";
import { type KnownIssue, openIssues, strict } from "./harness/known-issues.ts";

/** A repro of `issue`: an expected failure while the issue is open (and not strict), a plain test once it is fixed. */
function repro(issue: KnownIssue, name: string, test: () => Promise<void>): void {
  const open = openIssues.has(issue) && !strict;
  (open ? it.fails : it)(`${name} (${issue}${open ? ", open" : ""})`, test);
}

const request = { messages: [{ role: "user" as const, content: "hi" }] };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.clearAllTimers();
  vi.useRealTimers();
});

/** Reads a stream to its end (or its error), advancing the fake clock `ms`. */
async function read(stream: FallbackStream, ms: number) {
  const parts: FallbackStreamPart[] = [];
  const reading = (async () => {
    for await (const part of stream) parts.push(part);
  })().then(
    () => undefined,
    (error: unknown) => error,
  );
  await vi.advanceTimersByTimeAsync(ms);
  const error = await reading;
  const result = await stream.result.catch(() => undefined);
  return { parts, error, result };
}

describe("hedge handover", () => {
  repro(
    "late-handover-fallback",
    "the fallback from a slow model that failed to its running hedge is announced when it fails, before the hedge's outcome",
    async () => {
      const slow = scriptedModel({ modelId: "slow", default: { hang: true } });
      const hedge = scriptedModel({ modelId: "hedge", default: { delayMs: 100 } });
      const chat = createFallback({
        models: [
          { model: slow, hedge: { afterMs: 10 }, timeout: { attemptMs: 50 }, retry: { maxAttempts: 1 } },
          { model: hedge },
        ],
      });
      const log: string[] = [];
      const t0 = Date.now();
      chat.on("attempt", ({ record }) => log.push(`${Date.now() - t0} attempt ${record.model} ${record.outcome}`));
      chat.on("fallback", ({ from, to }) => log.push(`${Date.now() - t0} fallback ${from} → ${to}`));
      const pending = chat.generate(request);
      await vi.advanceTimersByTimeAsync(500);
      expect((await pending).model).toBe("scripted:hedge");
      // Seen (785289c): the fallback comes at 110 ms, after the hedge's own (successful) attempt record; and when the
      // caller aborts during the race, the fallback event comes after the abort.
      expect(log).toEqual([
        "50 attempt scripted:slow failure",
        "50 fallback scripted:slow → scripted:hedge",
        "110 attempt scripted:hedge success",
      ]);
    },
  );
});

// Fixed by 679b9da; kept as regression tests.
describe("a hedge that won, then cut mid-stream", () => {
  repro(
    "hedge-cut-not-taken-up",
    "with midStream \"error\", a StreamInterruptedError — not the next model's text appended — when the cut opened the hedge's breaker",
    async () => {
      const slow = scriptedModel({ modelId: "slow", default: { hang: true } });
      const hedge = scriptedModel({ modelId: "hedge", default: { text: "partial answer", afterChunks: 1 } });
      const last = scriptedModel({ modelId: "last", default: { text: "other answer" } });
      const chat = createFallback({
        models: [
          { model: slow, hedge: { afterMs: 100 }, timeout: { firstTokenMs: 5_000 } },
          { model: hedge, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 }, retry: { maxAttempts: 1 } },
          { model: last },
        ],
        midStream: "error",
      });
      const { parts, error } = await read(chat.stream(request), 10_000);
      // Seen: no error; the caller read "partial other answer" (the result says "other answer").
      expect(visibleText(parts)).toBe("partial ");
      expect(isStreamInterruptedError(error)).toBe(true);
    },
  );

  repro(
    "hedge-cut-not-taken-up",
    "no second voice when the hedge's stream is cut by a provider's own `aborted` error",
    async () => {
      const slow = scriptedModel({ modelId: "slow", default: { hang: true } });
      const hedge = scriptedModel({
        modelId: "hedge",
        script: [{ text: "partial answer", afterChunks: 1, error: "aborted" }],
        default: { text: "second call" },
      });
      const chat = createFallback({
        models: [{ model: slow, hedge: { afterMs: 100 }, timeout: { firstTokenMs: 5_000 } }, { model: hedge }],
        midStream: "error",
      });
      const { parts, result } = await read(chat.stream(request), 10_000);
      // Seen: the hedge's model is called again, and the caller reads "partial second call" from two calls with no reset.
      expect(hedge.calls).toHaveLength(1);
      if (result) expect(visibleText(parts)).toBe(result.text);
    },
  );
});

// Fixed by 679b9da (a call that would queue for its bulkhead is not hedged; a race that throws is closed); kept as
// regression tests.
describe("a hedge from a call that waits in its bulkhead queue", () => {
  /** `slow`'s one slot held for a minute by another request; the next request queues for it. */
  function queuedSlowCall() {
    const slow = scriptedModel({ modelId: "slow", script: [{ delayMs: 60_000 }], default: { text: "slow answer" } });
    const fast = scriptedModel({ modelId: "fast", default: { delayMs: 50, text: "fast answer", chunkDelayMs: 10 } });
    const chat = createFallback({
      models: [
        { model: slow, hedge: { afterMs: 100 }, bulkhead: { maxConcurrent: 1, maxQueued: 1 }, timeout: { attemptMs: 120_000 } },
        { model: fast },
      ],
    });
    const holder = chat.generate(request, { models: ["scripted:slow"] });
    return { slow, fast, chat, holder };
  }

  repro(
    "queued-hedge-loser-holds-winner",
    "no hedge goes from a queued call, and the slow model is called once its slot frees",
    async () => {
      const { chat, holder, slow, fast } = queuedSlowCall();
      const hedges: unknown[] = [];
      chat.on("hedgeStart", (event) => hedges.push(event));
      const pending = chat.generate(request, { deadlineMs: 100_000 });
      await vi.advanceTimersByTimeAsync(70_000);
      await holder;
      expect((await pending).model).toBe("scripted:slow");
      expect(hedges).toEqual([]);
      expect(fast.calls).toHaveLength(0);
      expect(slow.calls).toHaveLength(2);
    },
  );

  repro("queued-hedge-loser-holds-winner", "nothing is left open when a queued stream runs out of time", async () => {
    const { chat, holder, fast } = queuedSlowCall();
    await read(chat.stream(request, { deadlineMs: 1_000 }), 70_000);
    await holder;
    expect(fast.inFlight).toBe(0);
    expect(chat.health().map((m) => m.inFlight)).toEqual([0, 0]);
  });
});

describe("learned first-token timers and hedges on one model", () => {
  repro(
    "lost-hedges-shorten-learned-timer",
    "a healthy model that loses its hedges is not cut by a timer learned from the waits it lost",
    async () => {
      // Answers every stream in 300 ms; its hedge (after 100 ms) answers at 150 ms and wins every race.
      const slow = scriptedModel({ modelId: "slow", default: { delayMs: 300, text: "slow answer" } });
      const fast = scriptedModel({ modelId: "fast", default: { delayMs: 50, text: "fast answer" } });
      const chat = createFallback({
        models: [
          {
            model: slow,
            hedge: { afterMs: 100 },
            timeout: { firstTokenMs: 5_000, learnFirstToken: { minMs: 50, minSamples: 5, multiplier: 1.5 } },
            breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 },
          },
          { model: fast },
        ],
        hedging: { maxShare: 1, burst: 100 },
      });
      for (let i = 0; i < 10; i++) expect((await read(chat.stream(request), 1_000)).result?.model).toBe("scripted:fast");
      // Now it streams with no hedge to lose.
      chat.isolate("scripted:fast");
      const { result } = await read(chat.stream(request), 1_000);
      // Seen: "no first token within the learned first-token timer (225 ms)"; its breaker opens.
      expect(result?.model).toBe("scripted:slow");
      expect(chat.health()[0]?.breaker).toBe("closed");
    },
  );
});

describe("isolation during a wait", () => {
  repro(
    "isolation-ignored-after-wait",
    "a call the all-unavailable rule forced, queued in the bulkhead, is not made once the model is isolated",
    async () => {
      const model = scriptedModel({
        modelId: "only",
        script: [{ delayMs: 1_000 }, { error: "server" }, { delayMs: 1_000 }],
        default: { text: "answer" },
      });
      const chat = createFallback({
        models: [
          {
            model,
            bulkhead: { maxConcurrent: 2, maxQueued: 1 },
            breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 },
            retry: { maxAttempts: 1 },
          },
        ],
        whenAllUnavailable: "try-nearest",
      });
      const settle = (p: Promise<unknown>) =>
        p.then(
          () => "answered",
          (error: unknown) => (isModelError(error) ? error.kind : (error as Error).name),
        );
      const first = settle(chat.generate(request)); // holds a slot for 1 s
      const opens = settle(chat.generate(request)); // fails: the breaker opens
      await vi.advanceTimersByTimeAsync(10);
      const forced = settle(chat.generate(request)); // open: forced, takes the other slot for 1 s
      await vi.advanceTimersByTimeAsync(10);
      const queued = settle(chat.generate(request)); // open: forced, queued for a slot
      await vi.advanceTimersByTimeAsync(10);
      chat.isolate("scripted:only");
      await vi.advanceTimersByTimeAsync(2_000);
      await Promise.all([first, opens, forced, queued]);
      // Seen: the queued call goes out at 1 000 ms, to the isolated model.
      expect(model.calls).toHaveLength(3);
    },
  );

  repro(
    "isolation-ignored-after-wait",
    "the attempt after a cut is not made once the model was isolated while the consumer held the reset part",
    async () => {
      const first = scriptedModel({ modelId: "first", default: { text: "cut short", afterChunks: 1, error: "server" } });
      const next = scriptedModel({ modelId: "next", default: { text: "whole answer" } });
      const chat = createFallback({
        models: [{ model: first, retry: { maxAttempts: 1 } }, { model: next }],
        midStream: "restart",
      });
      const iterator = chat.stream(request)[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toMatchObject({ type: "text-delta" });
      expect((await iterator.next()).value).toMatchObject({ type: "reset" });
      // The consumer holds the reset part; meanwhile an operator isolates the next model.
      chat.isolate("scripted:next");
      const rest = (async () => {
        for (;;) if ((await iterator.next()).done) return;
      })().catch(() => undefined);
      await vi.advanceTimersByTimeAsync(1_000);
      await rest;
      // Seen: the isolated model is called.
      expect(next.calls).toHaveLength(0);
    },
  );
});
