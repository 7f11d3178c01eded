import type { ProviderMetadata } from "./provider-metadata.ts";
import type { Usage } from "./usage.ts";

/**
 * Why the model stopped, in one neutral set:
 * `stop` (natural end or stop sequence), `length` (max tokens), `tool-calls`,
 * `content-filter` (the provider withheld or cut the answer), `other`.
 */
export type FinishReason = "stop" | "length" | "tool-calls" | "content-filter" | "other";

/** A complete tool call in a model's answer. */
export interface ToolCall {
  /** The provider's id for this call; send it back in the tool result. */
  readonly id: string;
  /** The tool's name. */
  readonly name: string;
  /** The arguments parsed from JSON; `undefined` when `argsError` is set. */
  readonly args: unknown;
  /** The arguments exactly as the model wrote them. */
  readonly argsText: string;
  /** Set when the model wrote arguments that are not valid JSON: the parser's message. */
  readonly argsError?: string;
  /** Provider facts to send back with this call on the next turn (put them on its `ToolCallPart`). */
  readonly providerMetadata?: ProviderMetadata;
}

/** A model's complete answer, as an adapter returns it. */
export interface ChatResponse {
  /** The answer's text (all text parts joined). */
  readonly text: string;
  /** Tool calls the model made, in order. */
  readonly toolCalls: readonly ToolCall[];
  /** Why the model stopped. */
  readonly finishReason: FinishReason;
  /** Token usage of this call. */
  readonly usage: Usage;
  /** The provider's id of the response (`chatcmpl-…`, `msg_…`), for support tickets. */
  readonly responseId?: string;
  /** The provider's request id header (`x-request-id`, `request-id`), when there is one. */
  readonly requestId?: string;
  /** The model the provider says answered (often a dated snapshot of the one asked for), when it says. */
  readonly responseModel?: string;
  /** Provider facts of the answer's text, to send back with it on the next turn (see `assistantMessageOf`). */
  readonly providerMetadata?: ProviderMetadata;
}
