import type { ChatResponse } from "../spec/chat-response.ts";
import type { Usage } from "../spec/usage.ts";
import type { AttemptRecord, FallbackSwitch, HedgeRecord } from "./attempt-record.ts";
import type { Cost } from "./cost.ts";

/** The answer of a request, and the story of how it was obtained. */
export interface FallbackResult extends ChatResponse {
  /** The engine's id of this request (in every event it caused). */
  readonly requestId: string;
  /** The chain id of the model that answered. */
  readonly model: string;
  /** Its provider. */
  readonly provider: string;
  /** Its model id as the provider knows it. */
  readonly modelId: string;
  /** Every call and skip, in order. */
  readonly attempts: readonly AttemptRecord[];
  /** Every switch from a failed model to the next, with its reason. */
  readonly fallbacks: readonly FallbackSwitch[];
  /**
   * Every hedge the request started, and who won it (empty without
   * `hedge`). A lost call's tokens are in `totalUsage` and `cost.wasted`.
   */
  readonly hedges: readonly HedgeRecord[];
  /** Tokens of all attempts, the wasted ones included (`usage` is the answer's alone). */
  readonly totalUsage: Usage;
  /** What the request cost, answer and waste apart. */
  readonly cost: Cost;
  /** Ms from the request's start to its answer. */
  readonly durationMs: number;
}
