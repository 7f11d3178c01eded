/**
 * vitest helpers of `@understudy/testing`: a fault server per test file,
 * assertions on what it saw, stream reading, and a guard against leaked
 * timers and sockets.
 *
 * @module
 */
export { expectModelError } from "./expect-model-error.ts";
export { type CapturingLogger, type ConsoleCapture, captureConsole, findSecret } from "./find-secret.ts";
export { installLeakGuard } from "./leak-guard.ts";
export { type AdapterStreamReading, readAdapterStream } from "./read-adapter-stream.ts";
export { runSecretLeakDrill, type SecretLeakDrillOptions, type SecretLeakStep, secretLeakSteps } from "./secret-leak-drill.ts";
export { expectAttempts, expectGapsAtLeast, useFaultServer } from "./use-fault-server.ts";
export { waitFor } from "./wait-for.ts";
