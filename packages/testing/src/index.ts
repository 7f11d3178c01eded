/**
 * `@understudy/testing`: test your fallback paths. Scripted fake models for
 * unit tests, and (soon) a fault-injecting server that speaks the OpenAI and
 * Anthropic wire formats for tests through the real SDKs.
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
