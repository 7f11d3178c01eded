/**
 * `@understudy/core`: an ordered chain of LLM models answering as one, with
 * per-model retry, circuit breaker, timeouts, bulkhead and cooldowns, and a
 * report of who answered, why each switch happened and what it cost.
 *
 * This entry point is the application's API. Adapter authors import
 * `@understudy/core/adapter`; health-store authors `@understudy/core/health-store`.
 *
 * @packageDocumentation
 */
export {
  type AnswerCheck,
  answerChecks,
  type FailedAnswerCheck,
  type JsonSchemaValidator,
} from "./checks/answer-check.ts";
export { defaultFailureActions, type FailureAction, type FailureActionOverrides } from "./config/failure-action.ts";
export { policyDefaults } from "./config/model-settings.ts";
export type {
  BreakerOptions,
  BulkheadOptions,
  CallOptions,
  ConsecutiveBreakerOptions,
  CooldownOptions,
  CustomBreakerOptions,
  FallbackOptions,
  HalfOpenAfter,
  HalfOpenBackoffOptions,
  HedgeOptions,
  HedgingOptions,
  LearnedFirstTokenOptions,
  MidStreamMode,
  ModelEntry,
  ModelPolicyOptions,
  ModelPrice,
  RetryOptions,
  SamplingBreakerOptions,
  ShadowOptions,
  TimeoutOptions,
  WhenAllUnavailable,
} from "./config/options.ts";
export { validateRequest } from "./config/validate-request.ts";
export type { AttemptOutcome, AttemptRecord, FallbackSwitch, HedgeRecord, SkipReason } from "./engine/attempt-record.ts";
export { type Cost, priceOf } from "./engine/cost.ts";
export { createFallback, Fallback, type ModelStatus } from "./engine/fallback.ts";
export type { FallbackResult } from "./engine/fallback-result.ts";
export { ConfigError, isConfigError } from "./errors/config-error.ts";
export { type ExhaustedReason, FallbackExhaustedError, isFallbackExhaustedError } from "./errors/fallback-exhausted-error.ts";
export { FieldError } from "./errors/field-error.ts";
export { countsAgainstHealth, isModelError, ModelError, type ModelErrorKind, modelErrorKinds } from "./errors/model-error.ts";
export { isRequestError, RequestError } from "./errors/request-error.ts";
export { isStreamInterruptedError, StreamInterruptedError } from "./errors/stream-interrupted-error.ts";
export { isUnderstudyError, UnderstudyError } from "./errors/understudy-error.ts";
export type {
  AttemptEvent,
  AttemptStartEvent,
  AttemptWrapper,
  BreakerEvent,
  ExhaustedEvent,
  FailureEvent,
  FallbackEvent,
  FallbackEvents,
  HedgeEndEvent,
  HedgeRefusal,
  HedgeSkipEvent,
  HedgeStartEvent,
  ListenerErrorEvent,
  RequestEvent,
  RequestStartEvent,
  ResetEvent,
  RetryEvent,
  ShadowAnswer,
  ShadowEvent,
  ShadowSkipReason,
  SkipEvent,
  SuccessEvent,
} from "./events/fallback-events.ts";
export { type BreakerState, type HealthStore, type HealthStoreEvent, InMemoryHealthStore } from "./health/health-store.ts";
export type { LatencyBand, LatencyMeasure, SharedLatency } from "./health/latency-tracker.ts";
export type { HealthSkipReason, ModelHealthSnapshot } from "./health/model-health.ts";
export { assistantMessageOf } from "./spec/assistant-message.ts";
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
export type { ModelAdapter, ModelCapabilities } from "./spec/model-adapter.ts";
export type { ProviderMetadata } from "./spec/provider-metadata.ts";
export type {
  FallbackStreamPart,
  FinishPart,
  ReasoningDeltaPart,
  ResetPart,
  StreamPart,
  TextDeltaPart,
  ToolCallDeltaPart,
  ToolCallStreamPart,
} from "./spec/stream-part.ts";
export { addUsage, totalTokens, type Usage, zeroUsage } from "./spec/usage.ts";
export { FallbackStream } from "./streaming/fallback-stream.ts";
