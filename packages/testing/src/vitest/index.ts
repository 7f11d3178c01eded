/**
 * vitest helpers of `@understudy/testing`: a fault server per test file,
 * assertions on what it saw, and a guard against leaked timers and sockets.
 *
 * @module
 */
export { installLeakGuard } from "./leak-guard.ts";
export { expectAttempts, expectGapsAtLeast, useFaultServer } from "./use-fault-server.ts";
