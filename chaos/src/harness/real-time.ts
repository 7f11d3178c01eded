import type { FaultServer } from "@understudy/testing";
import { type HandleCounts, settleHandles } from "./handles.ts";

/** Resolves `true` once `work` settles, or `false` after `ms` of real time; leaves no timer behind. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true as const,
        () => true as const,
      ),
      limit,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits (real time) until `done()` holds or `ms` pass; returns whether it holds. */
export async function waitUntil(done: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) await new Promise((resolve) => setTimeout(resolve, 2));
  return done();
}

/**
 * Resets the fault server and waits until nothing beyond `baseline` is open;
 * returns what is left. Resets twice when something is: an HTTP client
 * (undici) that still holds a request it aborted reconnects while the first
 * reset closes its connections, and reset() does not close a connection that
 * arrives after it started (see chaos/README.md).
 */
export async function resetAndSettle(server: FaultServer, baseline: HandleCounts): Promise<string[]> {
  await server.reset();
  const left = await settleHandles(baseline, 300);
  if (left.length === 0) return left;
  await server.reset();
  return settleHandles(baseline, 1_000);
}
