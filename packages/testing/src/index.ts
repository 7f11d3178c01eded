/**
 * `@understudy/testing`: test your fallback paths. Scripted fake models for
 * unit tests, and a fault-injecting server that speaks the OpenAI, Anthropic
 * and Gemini wire formats, for tests through the real SDKs.
 *
 * @packageDocumentation
 */
export {
  type ScriptedCall,
  type ScriptedModel,
  type ScriptedModelOptions,
  type ScriptStep,
  scriptedModel,
} from "./scripted-model.ts";
export {
  FaultServer,
  type FaultServerOptions,
  type ModelBehaviour,
  type Outage,
  type RequestLogEntry,
} from "./server/fault-server.ts";
export {
  describeStep,
  type FaultFinishReason,
  type FaultStep,
  faults,
  type KeyEcho,
  type ProviderFailure,
  type RawBody,
  type RetryHint,
} from "./server/fault-step.ts";
export { faultThoughtSignature } from "./server/gemini-wire.ts";
export type {
  FaultScript,
  PromptMatcher,
  PromptRule,
  ScriptedMessage,
  ScriptedRequest,
  ScriptedToolChoice,
} from "./server/scripted-request.ts";
export type { WireProvider } from "./server/wire-format.ts";
