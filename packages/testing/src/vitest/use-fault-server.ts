import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { FaultServer, type FaultServerOptions, type RequestLogEntry } from "../server/fault-server.ts";

/**
 * Runs a {@link FaultServer} for the tests of a file: started before the
 * first, reset after each (scripts, log, open requests and idle connections:
 * no socket outlives its test), closed after the last. Returns a getter.
 *
 * @example
 * ```ts
 * const server = useFaultServer();
 * it("falls over when the primary is overloaded", async () => {
 *   server().script("claude-sonnet-4-6", [faults.overloaded()]);
 *   …
 * });
 * ```
 */
export function useFaultServer(options: FaultServerOptions = {}): () => FaultServer {
  let server: FaultServer | undefined;
  beforeAll(async () => {
    server = await FaultServer.start(options);
  });
  afterEach(() => server?.reset());
  afterAll(() => server?.close());
  return () => {
    if (!server) throw new Error("useFaultServer(): the server starts in beforeAll; use it inside a test");
    return server;
  };
}

/** Asserts that the server saw exactly `count` requests for `model`, and returns them. */
export function expectAttempts(server: FaultServer, model: string, count: number): RequestLogEntry[] {
  const requests = server.requestsFor(model);
  expect(requests.length, `requests the server saw for ${model}`).toBe(count);
  return requests;
}

/** Asserts that every gap between two consecutive requests for `model` was at least `ms` (e.g. a Retry-After). */
export function expectGapsAtLeast(server: FaultServer, model: string, ms: number): void {
  const times = server.requestsFor(model).map((entry) => entry.time);
  for (let i = 1; i < times.length; i++) {
    expect((times[i] ?? 0) - (times[i - 1] ?? 0), `gap before request ${i + 1} for ${model}`).toBeGreaterThanOrEqual(ms);
  }
}
