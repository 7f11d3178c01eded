import { maxTimerMs, timerDelay } from "../config/duration.ts";

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts.
 * cockatiel's retry backoff is a plain `setTimeout` that waits out an abort;
 * this one clears its timer and returns at once.
 */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, timerDelay(ms) ?? maxTimerMs);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
