/**
 * `@understudy/core/adapter`: the kit for adapter authors. The contract an
 * adapter implements (`ModelAdapter`, the neutral request, response and
 * stream parts), the failure taxonomy it classifies into (`ModelError`), and
 * the helpers every adapter needs at the boundary where untrusted provider
 * input comes in: failure builders, redaction, Retry-After parsing,
 * tool-argument parsing, token-count sanitising, and `sdkAdapter`, the
 * skeleton that leaves an adapter only its wire mapping and its classifier.
 *
 * @packageDocumentation
 */
export {
  adapterFailure,
  bodyExcerpt,
  describeThrown,
  type ErrorClass,
  type FailureSource,
  malformedAnswer,
  malformedChunk,
  maxBodyExcerpt,
  maxProviderText,
  redactedError,
  redactModelError,
  type SdkTransportErrors,
  thrownName,
  transportFailure,
  unexpectedFailure,
  unfinishedStream,
  unserialisableRequest,
  unsupportedFeature,
  untranslatableRequest,
} from "./adapter-kit/adapter-failure.ts";
export { type AnswerIds, answerIds } from "./adapter-kit/answer-ids.ts";
export { minSecretFragment, redactSecrets } from "./adapter-kit/redact-secrets.ts";
export { redactingLogger, type SdkLogger } from "./adapter-kit/redacting-logger.ts";
export {
  boundedDelayMs,
  type HeaderLookup,
  maxProviderDelayMs,
  resetDurationMs,
  resetTimeMs,
  retryAfterMs,
} from "./adapter-kit/retry-after.ts";
export { type SdkAdapterSpec, type SdkReply, sdkAdapter } from "./adapter-kit/sdk-adapter.ts";
export {
  isModelError,
  isModelErrorKind,
  ModelError,
  type ModelErrorInit,
  type ModelErrorKind,
  modelErrorKinds,
} from "./errors/model-error.ts";
export type {
  AssistantMessage,
  ChatMessage,
  ChatRequest,
  ImagePart,
  ProviderOptions,
  ResponseFormat,
  TextPart,
  ToolCallPart,
  ToolChoice,
  ToolDefinition,
  ToolMessage,
  ToolResultPart,
  UserMessage,
} from "./spec/chat-request.ts";
export type { ChatResponse, FinishReason, ToolCall } from "./spec/chat-response.ts";
export type { AdapterCallOptions, ModelAdapter, ModelCapabilities } from "./spec/model-adapter.ts";
export { mergeProviderMetadata, type ProviderMetadata } from "./spec/provider-metadata.ts";
export type {
  FinishPart,
  ReasoningDeltaPart,
  StreamPart,
  TextDeltaPart,
  ToolCallDeltaPart,
  ToolCallStreamPart,
} from "./spec/stream-part.ts";
export { maxTokenCount, tokenCount } from "./spec/token-count.ts";
export { toolCallFromText } from "./spec/tool-arguments.ts";
export { type Usage, zeroUsage } from "./spec/usage.ts";
