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
} from "./adapter-kit/adapter-failure.ts";
export { minSecretFragment, redactSecrets } from "./adapter-kit/redact-secrets.ts";
export { redactingLogger, type SdkLogger } from "./adapter-kit/redacting-logger.ts";
export { boundedDelayMs, type HeaderLookup, maxProviderDelayMs, retryAfterMs } from "./adapter-kit/retry-after.ts";
export {
  defaultFailureActions,
  type FailureAction,
  type FailureActionOverrides,
  failureActions,
} from "./config/failure-action.ts";
export { defaultModelId, policyDefaults } from "./config/model-settings.ts";
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
} from "./config/options.ts";
export type { AttemptOutcome, AttemptRecord, FallbackSwitch, SkipReason } from "./engine/attempt-record.ts";
export { type Cost, priceOf } from "./engine/cost.ts";
export { createFallback, Fallback, type ModelStatus } from "./engine/fallback.ts";
export type { FallbackResult } from "./engine/fallback-result.ts";
export { ConfigError, isConfigError } from "./errors/config-error.ts";
export {
  type ExhaustedReason,
  FallbackExhaustedError,
  type FallbackExhaustedInit,
  isFallbackExhaustedError,
} from "./errors/fallback-exhausted-error.ts";
export { FieldError } from "./errors/field-error.ts";
export {
  countsAgainstHealth,
  isModelError,
  isModelErrorKind,
  ModelError,
  type ModelErrorInit,
  type ModelErrorKind,
  modelErrorKinds,
} from "./errors/model-error.ts";
export { isRequestError, RequestError } from "./errors/request-error.ts";
export { isStreamInterruptedError, StreamInterruptedError } from "./errors/stream-interrupted-error.ts";
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
} from "./events/fallback-events.ts";
export {
  type BreakerState,
  type HealthStore,
  type HealthStoreEvent,
  healthyRecord,
  InMemoryHealthStore,
  type ModelHealthRecord,
  takeProbe,
} from "./health/health-store.ts";
export type { HealthSkipReason, ModelHealthSnapshot } from "./health/model-health.ts";
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
} from "./spec/stream-part.ts";
export { maxTokenCount, tokenCount } from "./spec/token-count.ts";
export { toolCallFromText } from "./spec/tool-arguments.ts";
export { addUsage, totalTokens, type Usage, zeroUsage } from "./spec/usage.ts";
export { FallbackStream } from "./streaming/fallback-stream.ts";
