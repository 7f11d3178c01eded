/**
 * `@understudy/core`: an ordered chain of LLM models answering as one, with
 * per-model retry, circuit breaker, timeouts, bulkhead and cooldowns, and a
 * report of who answered, why each switch happened and what it cost.
 *
 * @packageDocumentation
 */
export {
  adapterFailure,
  bodyExcerpt,
  type ErrorClass,
  type FailureSource,
  malformedAnswer,
  malformedChunk,
  maxBodyExcerpt,
  redactedError,
  redactModelError,
  type SdkTransportErrors,
  transportFailure,
  unexpectedFailure,
  unfinishedStream,
  unserialisableRequest,
  unsupportedFeature,
  untranslatableRequest,
} from "./adapter-failure.ts";
export type { AttemptOutcome, AttemptRecord, FallbackSwitch, SkipReason } from "./attempt-record.ts";
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
} from "./chat-request.ts";
export type { ChatResponse, FinishReason, ToolCall } from "./chat-response.ts";
export { ConfigError, isConfigError } from "./config-error.ts";
export { type Cost, priceOf } from "./cost.ts";
export { defaultFailureActions, type FailureAction, type FailureActionOverrides, failureActions } from "./failure-action.ts";
export { createFallback, Fallback, type ModelStatus } from "./fallback.ts";
export type {
  AttemptEvent,
  BreakerEvent,
  ExhaustedEvent,
  FailureEvent,
  FallbackEvent,
  FallbackEvents,
  ListenerErrorEvent,
  RequestEvent,
  RetryEvent,
  SkipEvent,
  SuccessEvent,
} from "./fallback-events.ts";
export {
  type ExhaustedReason,
  FallbackExhaustedError,
  type FallbackExhaustedInit,
  isFallbackExhaustedError,
} from "./fallback-exhausted-error.ts";
export type { FallbackResult } from "./fallback-result.ts";
export { FallbackStream } from "./fallback-stream.ts";
export { FieldError } from "./field-error.ts";
export {
  type BreakerState,
  type HealthStore,
  type HealthStoreEvent,
  healthyRecord,
  InMemoryHealthStore,
  type ModelHealthRecord,
  takeProbe,
} from "./health-store.ts";
export type { AdapterCallOptions, ModelAdapter, ModelCapabilities } from "./model-adapter.ts";
export {
  countsAgainstHealth,
  isModelError,
  isModelErrorKind,
  ModelError,
  type ModelErrorInit,
  type ModelErrorKind,
  modelErrorKinds,
} from "./model-error.ts";
export type { HealthSkipReason, ModelHealthSnapshot } from "./model-health.ts";
export { defaultModelId, policyDefaults } from "./model-settings.ts";
export type {
  BreakerOptions,
  BulkheadOptions,
  CallOptions,
  ConsecutiveBreakerOptions,
  CooldownOptions,
  CustomBreakerOptions,
  FallbackOptions,
  MidStreamMode,
  ModelEntry,
  ModelPolicyOptions,
  ModelPrice,
  RetryOptions,
  SamplingBreakerOptions,
  TimeoutOptions,
  WhenAllUnavailable,
} from "./options.ts";
export { minSecretFragment, redactSecrets } from "./redact-secrets.ts";
export { redactingLogger, type SdkLogger } from "./redacting-logger.ts";
export { isRequestError, RequestError } from "./request-error.ts";
export { boundedDelayMs, type HeaderLookup, maxProviderDelayMs, retryAfterMs } from "./retry-after.ts";
export { isStreamInterruptedError, StreamInterruptedError } from "./stream-interrupted-error.ts";
export {
  type FallbackStreamPart,
  type FinishPart,
  isContentPart,
  type ReasoningDeltaPart,
  type ResetPart,
  type StreamPart,
  type TextDeltaPart,
  type ToolCallDeltaPart,
  type ToolCallStreamPart,
} from "./stream-part.ts";
export { maxTokenCount, tokenCount } from "./token-count.ts";
export { toolCallFromText } from "./tool-arguments.ts";
export { addUsage, totalTokens, type Usage, zeroUsage } from "./usage.ts";
