import { afterEach, beforeEach, expect, vi } from "vitest";

/** Kinds of handle that keep a process alive and that a test must not leave behind. */
const watchedResources = new Set(["Timeout", "Immediate", "TCPSocketWrap", "TCPServerWrap", "TCPWRAP", "PipeWrap", "FSReqCallback"]);

function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (watchedResources.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

function leaksSince(baseline: Map<string, number>): string[] {
  const leaks: string[] = [];
  for (const [kind, count] of countResources()) {
    const before = baseline.get(kind) ?? 0;
    if (count > before) leaks.push(`${count - before} × ${kind}`);
  }
  return leaks;
}

/**
 * Installs, for every test in the file (or in the run, from a setup file), a
 * check that the test left nothing behind: no pending fake timers, and no real
 * timers, sockets or servers beyond those open when it started. Handles that
 * are closing get a short grace period (a closed socket is freed on a later tick).
 */
export function installLeakGuard(options: { graceMs?: number } = {}): void {
  const graceMs = options.graceMs ?? 500;
  let baseline = new Map<string, number>();
  beforeEach(() => {
    baseline = countResources();
  });
  afterEach(async () => {
    if (vi.isFakeTimers()) {
      const pending = vi.getTimerCount();
      vi.useRealTimers();
      expect(pending, "fake timers still pending at the end of the test").toBe(0);
    }
    const deadline = Date.now() + graceMs;
    let leaks = leaksSince(baseline);
    while (leaks.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      leaks = leaksSince(baseline);
    }
    expect(leaks, "handles left open by the test").toEqual([]);
  });
}
