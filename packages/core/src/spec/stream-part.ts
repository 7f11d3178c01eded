import type { ModelErrorKind } from "../errors/model-error.ts";
import type { FinishReason, ToolCall } from "./chat-response.ts";
import type { ProviderMetadata } from "./provider-metadata.ts";
import type { Usage } from "./usage.ts";

/** A piece of answer text. */
export interface TextDeltaPart {
  /** Discriminator. */
  readonly type: "text-delta";
  /** The new text. */
  readonly text: string;
  /** Provider facts that must come back with this piece on the next turn (see {@link ProviderMetadata}). */
  readonly providerMetadata?: ProviderMetadata;
}

/** A piece of the model's visible reasoning (where a provider streams it). */
export interface ReasoningDeltaPart {
  /** Discriminator. */
  readonly type: "reasoning-delta";
  /** The new reasoning text. */
  readonly text: string;
  /** Provider facts that must come back with this piece on the next turn (see {@link ProviderMetadata}). */
  readonly providerMetadata?: ProviderMetadata;
}

/** A piece of a tool call's arguments while the model writes them. */
export interface ToolCallDeltaPart {
  /** Discriminator. */
  readonly type: "tool-call-delta";
  /** The call's id. */
  readonly id: string;
  /** The tool's name. */
  readonly name: string;
  /** The new piece of the JSON arguments text. */
  readonly argsTextDelta: string;
}

/** A tool call whose arguments are complete. Once the caller has seen one, the engine never restarts the answer. */
export interface ToolCallStreamPart {
  /** Discriminator. */
  readonly type: "tool-call";
  /** The complete call. */
  readonly toolCall: ToolCall;
}

/** The terminal part of a stream: without it a stream is broken, never complete. */
export interface FinishPart {
  /** Discriminator. */
  readonly type: "finish";
  /** Why the model stopped. */
  readonly finishReason: FinishReason;
  /** Token usage of this attempt. */
  readonly usage: Usage;
  /** The provider's response id, when known. */
  readonly responseId?: string;
  /** The provider's request id header, when known. */
  readonly requestId?: string;
  /** The model the provider says answered, when known. */
  readonly responseModel?: string;
  /** Provider facts of the whole answer, when the provider sends them at the end. */
  readonly providerMetadata?: ProviderMetadata;
}

/** What adapters yield from `stream()`. */
export type StreamPart = TextDeltaPart | ReasoningDeltaPart | ToolCallDeltaPart | ToolCallStreamPart | FinishPart;

/**
 * Emitted by the engine (with `midStream: "restart"`) when an answer that had
 * already started failed and is restarted: discard everything shown since the
 * start of the stream (or the last reset).
 */
export interface ResetPart {
  /** Discriminator. */
  readonly type: "reset";
  /** The id of the model whose answer was cut. */
  readonly model: string;
  /** Why it was cut. */
  readonly reason: ModelErrorKind;
}

/** What `Fallback.stream()` yields to the caller: adapter parts, plus `reset`. */
export type FallbackStreamPart = StreamPart | ResetPart;
