import { createHook } from "node:async_hooks";
import { afterEach, beforeEach, expect, vi } from "vitest";

/** Kinds of handle that keep a process alive and that a test must not leave behind. */
const watchedTypes = new Set([
  "Timeout",
  "Immediate",
  "TCPWRAP",
  "TCPSERVERWRAP",
  "PIPEWRAP",
  "HTTPINCOMINGMESSAGE",
  "HTTPCLIENTREQUEST",
  "WORKER",
]);

/** Kinds that leak even when unref'd: a worker thread left running holds a thread and whatever it opened (a database). */
const leakEvenUnrefd = new Set(["WORKER"]);

interface Tracked {
  readonly type: string;
  readonly resource: { hasRef?: () => boolean };
}

/**
 * Installs, for every test in the file (or in the run, from a setup file), a
 * check that the test left nothing behind: no pending fake timers, no
 * timer, socket or server created during the test and still holding the
 * process open (vitest's own timers are unref'd, so they never count), and no
 * worker thread still running, ref'd or not.
 * Handles that are closing get a short grace period.
 */
export function installLeakGuard(options: { graceMs?: number } = {}): void {
  const graceMs = options.graceMs ?? 500;
  const live = new Map<number, Tracked>();
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (watchedTypes.has(type)) live.set(asyncId, { type, resource: resource as Tracked["resource"] });
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  });
  const leaks = (): string[] => {
    const counts = new Map<string, number>();
    for (const { type, resource } of live.values()) {
      if (!leakEvenUnrefd.has(type) && typeof resource.hasRef === "function" && !resource.hasRef()) continue;
      counts.set(type, (counts.get(type) ?? 0) + 1);
    }
    return [...counts].map(([type, count]) => `${count} × ${type}`);
  };

  beforeEach(() => {
    live.clear();
    hook.enable();
  });
  afterEach(async () => {
    if (vi.isFakeTimers()) {
      const pending = vi.getTimerCount();
      vi.useRealTimers();
      expect(pending, "fake timers still pending at the end of the test").toBe(0);
    }
    const deadline = Date.now() + graceMs;
    let found = leaks();
    while (found.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10).unref());
      found = leaks();
    }
    hook.disable();
    expect(found, "handles left open by the test").toEqual([]);
  });
}
