/**
 * `@understudy/ai-sdk`: understudy and the Vercel AI SDK, both ways.
 * {@link asLanguageModel} makes a fallback chain an AI SDK language model,
 * for `generateText`, `streamText` and the rest; {@link aiSdk} makes any AI
 * SDK language model (Gemini, Bedrock, Mistral, Groq, …) a model of a chain.
 *
 * @packageDocumentation
 */
export { type AiSdkAdapterOptions, aiSdk } from "./adapter/ai-sdk-adapter.ts";
export { asLanguageModel, type LanguageModelOptions } from "./model/as-language-model.ts";
export type {
  AttemptSummary,
  CostSummary,
  FallbackSummary,
  UnderstudyMetadata,
  UsageSummary,
} from "./model/understudy-metadata.ts";
