/**
 * Waits `ms` (forever for Infinity) or until the signal aborts, and resolves
 * either way — as an SDK ends quietly on abort. Never rejects, never leaves a
 * timer behind. With `ignoreAbort`, only time ends it (a deaf adapter).
 */
export function quietPause(ms: number, signal: AbortSignal, ignoreAbort = false): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    if (ignoreAbort) return;
    if (signal.aborted) return done();
    signal.addEventListener("abort", done, { once: true });
  });
}
