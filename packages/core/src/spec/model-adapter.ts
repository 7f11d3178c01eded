import type { ChatRequest } from "./chat-request.ts";
import type { ChatResponse } from "./chat-response.ts";
import type { StreamPart } from "./stream-part.ts";

/**
 * What a model can take. Every field is optional: an unknown capability is
 * assumed present, and the provider's own answer decides.
 */
export interface ModelCapabilities {
  /** Context window in tokens; requests estimated larger are skipped as `unsupported`. */
  readonly contextWindow?: number;
  /** Whether the model can call tools. */
  readonly tools?: boolean;
  /** Whether the model accepts images. */
  readonly images?: boolean;
  /** Whether the model can be asked for JSON output. */
  readonly json?: boolean;
  /** Whether the model accepts an assistant message as the last message (a prefill). */
  readonly prefill?: boolean;
  /** Whether the model reasons before answering: its first token comes late, and timeouts allow for it. */
  readonly reasoning?: boolean;
}

/** Options of one call to an adapter. */
export interface AdapterCallOptions {
  /**
   * Fires when the call must stop: the caller aborted, a timer ran out, or the
   * consumer stopped reading. An adapter passes it to its SDK.
   */
  readonly signal: AbortSignal;
}

/**
 * The contract every provider adapter implements. The engine calls it once per
 * attempt; the adapter translates the request, calls its provider with the
 * SDK's own retries off, and classifies every failure into a `ModelError`.
 * Adapters never decide policy.
 */
export interface ModelAdapter {
  /** The provider's name, e.g. `openai`, `anthropic`. Also the key of its `providerOptions`. */
  readonly provider: string;
  /** The model id as the provider knows it, e.g. `gpt-4.1-mini`. */
  readonly modelId: string;
  /** What the model can take; unknown fields are assumed present. */
  readonly capabilities?: ModelCapabilities;
  /** Sends the request and resolves with the complete answer, or rejects with a `ModelError`. */
  generate(request: ChatRequest, options: AdapterCallOptions): Promise<ChatResponse>;
  /**
   * Sends the request and yields the answer as it arrives. The last part must
   * be `finish`; an iterable that ends without one is treated as a broken
   * stream. Failures are thrown from the iterator as `ModelError`s.
   */
  stream(request: ChatRequest, options: AdapterCallOptions): AsyncIterable<StreamPart>;
}
