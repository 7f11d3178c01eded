import type { ProviderMetadata } from "./provider-metadata.ts";

/**
 * Provider-neutral chat request types. Adapters translate these into each
 * provider's wire format; a feature a provider cannot express is refused with
 * a `ModelError` of kind `unsupported`, never dropped silently.
 *
 * @module
 */

/** Plain text inside a message. */
export interface TextPart {
  /** Discriminator. */
  readonly type: "text";
  /** The text. */
  readonly text: string;
  /** Provider facts that must come back with this piece on the next turn (see {@link ProviderMetadata}). */
  readonly providerMetadata?: ProviderMetadata;
}

/**
 * An image inside a user message: either a URL the provider fetches, or
 * base64 data with its media type.
 */
export type ImagePart =
  | {
      /** Discriminator. */
      readonly type: "image";
      /** An `https:` URL (or a `data:` URL) of the image. */
      readonly url: string;
    }
  | {
      /** Discriminator. */
      readonly type: "image";
      /** Base64-encoded image bytes, without a `data:` prefix. */
      readonly data: string;
      /** The image's media type, e.g. `image/png`. */
      readonly mediaType: string;
    };

/** A tool call made by the assistant, as it appears in the conversation history. */
export interface ToolCallPart {
  /** Discriminator. */
  readonly type: "tool-call";
  /** The provider's id for this call; tool results refer to it. */
  readonly id: string;
  /** The tool's name. */
  readonly name: string;
  /** The parsed arguments. */
  readonly args: unknown;
  /** Provider facts that must come back with this piece on the next turn (see {@link ProviderMetadata}). */
  readonly providerMetadata?: ProviderMetadata;
}

/** The result of running a tool, sent back to the model. */
export interface ToolResultPart {
  /** Discriminator. */
  readonly type: "tool-result";
  /** The id of the tool call this answers. */
  readonly toolCallId: string;
  /** The tool's name (Anthropic does not need it, OpenAI-compatible servers sometimes do). */
  readonly toolName: string;
  /** The result: a string is sent as is, anything else as JSON. */
  readonly result: unknown;
  /** Set when the tool failed and `result` describes the failure. */
  readonly isError?: boolean;
}

/** A message written by the user. */
export interface UserMessage {
  /** Discriminator. */
  readonly role: "user";
  /** Text, or a list of text and image parts. */
  readonly content: string | readonly (TextPart | ImagePart)[];
}

/** A message written by the assistant earlier in the conversation (or a prefill). */
export interface AssistantMessage {
  /** Discriminator. */
  readonly role: "assistant";
  /** Text, or a list of text and tool-call parts. */
  readonly content: string | readonly (TextPart | ToolCallPart)[];
}

/** Results of tool calls, answering the assistant message before it. */
export interface ToolMessage {
  /** Discriminator. */
  readonly role: "tool";
  /** One result per tool call answered. */
  readonly content: readonly ToolResultPart[];
}

/** One message of a conversation. The system prompt is not a message: see {@link ChatRequest.system}. */
export type ChatMessage = UserMessage | AssistantMessage | ToolMessage;

/** A tool the model may call. */
export interface ToolDefinition {
  /** Name: letters, digits, `_` and `-`, at most 64 characters (the strictest provider's rule). */
  readonly name: string;
  /** What the tool does; models choose tools by it. */
  readonly description?: string;
  /** JSON Schema of the arguments object. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** Whether and which tool the model must call. */
export type ToolChoice =
  | "auto"
  | "none"
  | "required"
  | {
      /** Force one named tool. */
      readonly type: "tool";
      /** The {@link ToolDefinition.name} of the tool the model must call. */
      readonly name: string;
    };

/** Ask for JSON output, optionally constrained by a schema. */
export type ResponseFormat =
  | {
      /** Plain text: the default. */
      readonly type: "text";
    }
  | {
      /** A JSON object. */
      readonly type: "json";
      /** JSON Schema the answer must follow; without it any JSON object is accepted. */
      readonly schema?: Readonly<Record<string, unknown>>;
      /** A name for the schema (OpenAI requires one; defaults to `response`). */
      readonly name?: string;
    };

/**
 * Options for one provider, passed through untouched, keyed by provider name
 * (`{ anthropic: { thinking: {...} }, openai: { reasoning_effort: "low" } }`).
 * Each adapter reads only its own key.
 */
export type ProviderOptions = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** A provider-neutral chat completion request. */
export interface ChatRequest {
  /** The system prompt. Adapters place it where their provider wants it. */
  readonly system?: string;
  /** The conversation, oldest first. Must not be empty. */
  readonly messages: readonly ChatMessage[];
  /** Tools the model may call. */
  readonly tools?: readonly ToolDefinition[];
  /** Whether and which tool to call; defaults to the provider's own default (`auto`). */
  readonly toolChoice?: ToolChoice;
  /** Upper bound of output tokens. Anthropic requires one: its adapter has a default. */
  readonly maxTokens?: number;
  /** Sampling temperature, 0 to 2 (Anthropic accepts at most 1: its adapter refuses more). */
  readonly temperature?: number;
  /** Nucleus sampling, 0 to 1. */
  readonly topP?: number;
  /** Sequences that end the answer. */
  readonly stopSequences?: readonly string[];
  /** Plain text (default) or JSON output. */
  readonly responseFormat?: ResponseFormat;
  /** Provider-specific options, passed through untouched. */
  readonly providerOptions?: ProviderOptions;
}
