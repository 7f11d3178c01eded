import { vi } from "vitest";

// Captured before any fake timers: the driver flushes pending I/O and promise
// callbacks with the real one.
const realSetImmediate = setImmediate;

/** Fakes timers and `Date` (not `setImmediate`, nor microtasks): the engine's timers, the scripted models' pauses. */
export function useChaosFakeTimers(): void {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
}

/** Lets every pending promise callback (and a little I/O) run. */
export async function flushPromises(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => realSetImmediate(resolve));
}

/** How driving the fake clock ended. */
export interface DriveOutcome {
  /** Fake ms that passed. */
  readonly elapsedMs: number;
  /** `done`, `limit` (still running at the limit), or `stuck` (not done, and no timer left that could change that). */
  readonly end: "done" | "limit" | "stuck";
}

/**
 * Moves the fake clock from timer to timer, letting promises run in between,
 * until `done()` holds, `limitMs` of fake time have passed, or nothing is left
 * that could make progress.
 */
export async function driveUntil(done: () => boolean, limitMs: number): Promise<DriveOutcome> {
  const start = Date.now();
  for (;;) {
    await flushPromises();
    const elapsedMs = Date.now() - start;
    if (done()) return { elapsedMs, end: "done" };
    if (elapsedMs > limitMs) return { elapsedMs, end: "limit" };
    if (vi.getTimerCount() === 0) return { elapsedMs, end: "stuck" };
    await nextTimer();
  }
}

/** The installed fake clock (fake-timers hangs it on the functions it fakes). */
function installedClock(): { nextAsync?: () => Promise<number> } | undefined {
  return (globalThis.setTimeout as unknown as { clock?: { nextAsync?: () => Promise<number> } }).clock;
}

/**
 * Fires the next timer alone, then lets promise callbacks run, as Node does
 * between two timers due at the same time. (`vi.advanceTimersToNextTimerAsync`
 * fires every other timer due at that ms at once, with no promise callback
 * in between: two timers of one ms — a caller's abort and a hedge delay —
 * then race in an order Node never produces.)
 */
async function nextTimer(): Promise<void> {
  const clock = installedClock();
  if (clock?.nextAsync) await clock.nextAsync();
  else await vi.advanceTimersToNextTimerAsync();
}
