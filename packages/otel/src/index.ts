/**
 * `@understudy/otel`: every fallback visible in OpenTelemetry. `instrument(chain)`
 * gives each request a span, each call to a model a child span named and
 * attributed per the GenAI semantic conventions (v1.41.1), and records the
 * GenAI client metrics plus understudy's own (fallbacks, skips, breaker
 * state, cost answered and wasted).
 *
 * @packageDocumentation
 */
export { instrument } from "./chain-instrumentation.ts";
export { genAiProviderName } from "./conventions/provider-name.ts";
export type { InstrumentOptions } from "./instrument-options.ts";
