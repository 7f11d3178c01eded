import type { Counter, Histogram, Meter, ObservableGauge } from "@opentelemetry/api";
import { genAiMetric } from "../conventions/gen-ai.ts";
import { understudyMetric } from "../conventions/understudy-attributes.ts";

/** Every instrument this package records to, made from one meter. */
export interface Instruments {
  /** `gen_ai.client.token.usage`. */
  readonly tokenUsage: Histogram;
  /** `gen_ai.client.operation.duration`. */
  readonly operationDuration: Histogram;
  /** `gen_ai.client.operation.time_to_first_chunk`. */
  readonly timeToFirstChunk: Histogram;
  /** `understudy.fallbacks`. */
  readonly fallbacks: Counter;
  /** `understudy.skips`. */
  readonly skips: Counter;
  /** `understudy.cost.answered`. */
  readonly costAnswered: Counter;
  /** `understudy.cost.wasted`. */
  readonly costWasted: Counter;
  /** `understudy.breaker.state`. */
  readonly breakerState: ObservableGauge;
}

type HistogramSpec = {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  readonly buckets: readonly number[];
};
type CounterSpec = { readonly name: string; readonly unit: string; readonly description: string };

/** Makes the instruments: the GenAI histograms as the conventions define them, with their advised buckets. */
export function makeInstruments(meter: Meter): Instruments {
  const histogram = (spec: HistogramSpec) =>
    meter.createHistogram(spec.name, {
      unit: spec.unit,
      description: spec.description,
      advice: { explicitBucketBoundaries: [...spec.buckets] },
    });
  const counter = (spec: CounterSpec) => meter.createCounter(spec.name, { unit: spec.unit, description: spec.description });
  const { breakerState } = understudyMetric;
  return {
    tokenUsage: histogram(genAiMetric.tokenUsage),
    operationDuration: histogram(genAiMetric.operationDuration),
    timeToFirstChunk: histogram(genAiMetric.timeToFirstChunk),
    fallbacks: counter(understudyMetric.fallbacks),
    skips: counter(understudyMetric.skips),
    costAnswered: counter(understudyMetric.costAnswered),
    costWasted: counter(understudyMetric.costWasted),
    breakerState: meter.createObservableGauge(breakerState.name, {
      unit: breakerState.unit,
      description: breakerState.description,
    }),
  };
}
