/**
 * Polls `condition` every few ms until it holds, for events that happen on a
 * server or a socket outside the test's control (a client hang-up seen by the
 * server). Rejects after `timeoutMs`.
 */
export async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waitFor: condition still false after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
