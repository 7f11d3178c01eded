import { diag } from "@opentelemetry/api";

/**
 * Reports a failure of the instrumentation itself on OpenTelemetry's own
 * diagnostic logger (`diag`), where an app that wants to see it has pointed
 * it. Never throws: telemetry must not break the request it describes.
 */
export function reportFailure(where: string, error: unknown): void {
  try {
    diag.error(`@understudy/otel: ${where} failed`, error);
  } catch {
    // A diag logger that throws has nowhere left to report to.
  }
}

/**
 * `fn`, made safe to call from the engine's events: a throw — a broken span
 * processor, a meter that rejects a value — is reported and swallowed.
 */
export function guarded<A extends unknown[]>(where: string, fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (error) {
      reportFailure(where, error);
    }
  };
}
