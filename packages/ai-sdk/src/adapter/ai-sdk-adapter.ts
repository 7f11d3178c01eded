import {
  AISDKError,
  InvalidResponseDataError,
  type LanguageModelV2,
  type LanguageModelV3,
  type LanguageModelV4,
} from "@ai-sdk/provider";
import { type ModelAdapter, type ModelCapabilities, sdkAdapter } from "@understudy/core/adapter";
import { aiSdkParts } from "./ai-sdk-stream.ts";
import { classifyAiSdkError } from "./classify-ai-sdk-error.ts";
import { withDownloadedImages } from "./download-images.ts";
import { fromGenerateResult } from "./from-generate-result.ts";
import { isRecord } from "./is-record.ts";
import { specVersionOf } from "./language-model.ts";
import { providerKeysFromEnv } from "./provider-key-env.ts";
import { headerLookup, requestIdOf } from "./response-headers.ts";
import { type CallOptions, toCallOptions } from "./to-call-options.ts";

/** Options of {@link aiSdk}. */
export interface AiSdkAdapterOptions {
  /** What the model can take (context window, tools, images, JSON, prefill, reasoning); unknown fields are assumed present. */
  readonly capabilities?: ModelCapabilities;
  /**
   * Secrets to redact from every error, event and log line the adapter
   * produces — pass the API key you gave the AI SDK provider: the adapter
   * cannot read it back from the model. Added to the values of the AI SDK
   * providers' own environment variables (`OPENAI_API_KEY`,
   * `ANTHROPIC_API_KEY`, `GOOGLE_GENERATIVE_AI_API_KEY`, …), which are
   * always redacted. Key-shaped text (`sk-…`) is redacted regardless.
   */
  readonly secrets?: readonly string[];
  /**
   * The provider name in results, events and chain ids (`provider:model`).
   * Default: the model's `provider` up to its first dot — `openai` for
   * `openai.chat`, `google` for `google.generative-ai`. The request's whole
   * `providerOptions` is passed to the model whatever the name, and the AI
   * SDK provider reads its own key there (`google`, `openai`; `bedrock` for
   * `amazon-bedrock`).
   */
  readonly provider?: string;
}

/**
 * Any version's model as the adapter calls it. {@link toCallOptions} makes
 * the options of the model's own version, so one call site serves them all.
 */
interface CallableModel {
  doGenerate(options: CallOptions): PromiseLike<unknown>;
  doStream(options: CallOptions): PromiseLike<unknown>;
}

/**
 * A {@link ModelAdapter} for any Vercel AI SDK language model — Gemini,
 * Bedrock, Mistral, Groq, xAI, a gateway, a local model: whatever has an AI
 * SDK provider — of specification v2 (AI SDK 5), v3 (AI SDK 6) or v4 (AI
 * SDK 7). The adapter calls the model's `doGenerate` / `doStream` itself:
 * the AI SDK's retries (which live in `generateText`, not in the model) never
 * run, so the fallback pipeline is the only retry loop. Every failure is
 * classified from the provider's status, headers and error body
 * (`APICallError`), or from the SDK's own error classes.
 *
 * @param model - The AI SDK model, e.g. `google("gemini-2.5-flash")`.
 * @param options - Capabilities, secrets to redact, the provider name.
 * @throws TypeError when `model` is not of specification v2, v3 or v4.
 *
 * @example
 * ```ts
 * import { google } from "@ai-sdk/google";
 * import { mistral } from "@ai-sdk/mistral";
 * import { createFallback } from "@understudy/core";
 * import { aiSdk } from "@understudy/ai-sdk";
 *
 * const chat = createFallback({
 *   models: [{ model: aiSdk(google("gemini-2.5-flash")) }, { model: aiSdk(mistral("mistral-large-latest")) }],
 * });
 * ```
 */
export function aiSdk(
  model: LanguageModelV2 | LanguageModelV3 | LanguageModelV4,
  options: AiSdkAdapterOptions = {},
): ModelAdapter {
  const version = specVersionOf(model);
  const callable: CallableModel = model;
  const provider = options.provider ?? providerNameOf(model.provider);
  const ready = (body: CallOptions, signal: AbortSignal) =>
    withDownloadedImages(body, model.supportedUrls, signal, { provider, model: model.modelId });
  return sdkAdapter<CallableModel, CallOptions, unknown>({
    provider,
    modelId: model.modelId,
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    keyHint: "give the AI SDK provider its key, or set its environment variable",
    makeClient: () => callable,
    secrets: () => [...(options.secrets ?? []), ...providerKeysFromEnv()],
    translate: (request) => toCallOptions(request, version),
    send: async (client, body, signal) => {
      const result = await client.doGenerate({ ...(await ready(body, signal)), abortSignal: signal });
      return { data: result, requestId: requestIdOf(headerLookup(responseOf(result).headers)) };
    },
    open: async (client, body, signal) => {
      const result = await client.doStream({ ...(await ready(body, signal)), abortSignal: signal });
      return { data: streamOf(result), requestId: requestIdOf(headerLookup(responseOf(result).headers)) };
    },
    answer: fromGenerateResult,
    parts: aiSdkParts,
    classify: (error, source, signal) => classifyAiSdkError(error, source, { signal }),
    isSdkError: (error) => AISDKError.isInstance(error),
  });
}

/** `openai` of `openai.chat`: the name the AI SDK provider keys its options and metadata by. */
function providerNameOf(provider: unknown): string {
  const name = typeof provider === "string" ? provider.split(".")[0]?.trim() : undefined;
  return name || "ai-sdk";
}

function responseOf(result: unknown): Record<string, unknown> {
  return isRecord(result) && isRecord(result.response) ? result.response : {};
}

/** The parts of a `doStream` result (a `ReadableStream`, async-iterable in Node); one without a stream breaks at its first read. */
function streamOf(result: unknown): AsyncIterable<unknown> {
  const stream = isRecord(result) ? result.stream : undefined;
  if (isAsyncIterable(stream)) return stream;
  const missing = new InvalidResponseDataError({ data: result, message: "doStream resolved without a stream" });
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(missing) }) };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
