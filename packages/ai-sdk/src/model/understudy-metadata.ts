import type { JSONObject, JSONValue } from "@ai-sdk/provider";
import type { AttemptRecord, FallbackResult, FallbackSwitch, Usage } from "@understudy/core";

/**
 * What `providerMetadata.understudy` holds on an answer from a chain: who
 * answered, every attempt and skip with its reason, every switch, the
 * tokens of all attempts and the cost, answer and waste apart. Plain JSON,
 * as the AI SDK requires of provider metadata.
 */
export interface UnderstudyMetadata extends JSONObject {
  /** The engine's id of the request (in every event it caused). */
  readonly requestId: string;
  /** The chain id of the model that answered. */
  readonly model: string;
  /** Its provider. */
  readonly provider: string;
  /** Its model id as the provider knows it. */
  readonly modelId: string;
  /** Every call and skip, in order. */
  readonly attempts: readonly AttemptSummary[];
  /** Every switch from a failed model to the next, with its reason. */
  readonly fallbacks: readonly FallbackSummary[];
  /** Tokens of all attempts, the wasted ones included. */
  readonly totalUsage: UsageSummary;
  /** What the request cost, in the unit of the chain's price tables. */
  readonly cost: CostSummary;
  /** Ms from the request's start to its answer. */
  readonly durationMs: number;
}

/** What a request cost, answer and waste apart, as plain JSON. */
export interface CostSummary extends JSONObject {
  /** The answering attempt. */
  readonly answer: number;
  /** Failed and cancelled attempts: tokens a provider may bill for nothing. */
  readonly wasted: number;
  /** `answer + wasted`. */
  readonly total: number;
  /** False when a model that used tokens has no price, so the figures are low. */
  readonly complete: boolean;
}

/** One entry of {@link UnderstudyMetadata.attempts}: an attempt record without its `undefined` fields. */
export type AttemptSummary = JSONObject;
/** One entry of {@link UnderstudyMetadata.fallbacks}. */
export type FallbackSummary = JSONObject;
/** A usage as plain JSON. */
export type UsageSummary = JSONObject;

/** The JSON the AI SDK carries as `providerMetadata.understudy`. */
export function understudyMetadataOf(result: FallbackResult): UnderstudyMetadata {
  return {
    requestId: result.requestId,
    model: result.model,
    provider: result.provider,
    modelId: result.modelId,
    attempts: result.attempts.map(attemptSummary),
    fallbacks: result.fallbacks.map(fallbackSummary),
    totalUsage: usageSummary(result.totalUsage),
    cost: { ...result.cost },
    durationMs: result.durationMs,
  };
}

/** An attempt record as JSON: `undefined` fields left out, usage as plain numbers. */
export function attemptSummary(attempt: AttemptRecord): AttemptSummary {
  const { usage, ...fields } = attempt;
  return withoutUndefined({ ...fields, ...(usage ? { usage: usageSummary(usage) } : {}) });
}

function fallbackSummary(change: FallbackSwitch): FallbackSummary {
  return { from: change.from, to: change.to, reason: change.reason };
}

function usageSummary(usage: Usage): UsageSummary {
  return { ...usage };
}

function withoutUndefined(fields: Readonly<Record<string, unknown>>): JSONObject {
  const kept: Record<string, JSONValue> = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) kept[name] = value as JSONValue;
  return kept;
}
