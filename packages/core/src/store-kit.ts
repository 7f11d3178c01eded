/**
 * `@understudy/core/health-store`: the kit for health-store authors. The
 * `HealthStore` interface a chain reads and writes model health through, the
 * record it stores (`ModelHealthRecord`, with its versioned wire form), and
 * the one rule of the half-open probe lease (`takeProbe`) a store applies
 * atomically in its backend. `InMemoryHealthStore` is the reference.
 *
 * @packageDocumentation
 */
export { isModelErrorKind, type ModelErrorKind, modelErrorKinds } from "./errors/model-error.ts";
export {
  type BreakerState,
  type HealthStore,
  type HealthStoreEvent,
  healthRecordFormat,
  healthyRecord,
  InMemoryHealthStore,
  type LatencyEstimate,
  type ModelHealthRecord,
  takeProbe,
} from "./health/health-store.ts";
export {
  type LatencyBand,
  type LatencyMeasure,
  type SharedLatency,
  sharedLatencyFrom,
} from "./health/latency-tracker.ts";
