/**
 * `@understudy/openai`: the understudy adapter for OpenAI and
 * OpenAI-compatible endpoints, over the official `openai` SDK.
 *
 * @packageDocumentation
 */
export { classifyOpenAIError, parseOpenAIDuration } from "./classify-openai-error.ts";
export { type OpenAIModelOptions, openai } from "./openai.ts";
