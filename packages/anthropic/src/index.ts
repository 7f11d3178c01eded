/**
 * `@understudy/anthropic`: the understudy adapter for Claude models, over the
 * official `@anthropic-ai/sdk` SDK.
 *
 * @packageDocumentation
 */
export { type AnthropicModelOptions, anthropic } from "./anthropic.ts";
export { classifyAnthropicError } from "./classify-anthropic-error.ts";
