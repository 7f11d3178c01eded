import Anthropic, { type ClientOptions } from "@anthropic-ai/sdk";
import { type ModelAdapter, type ModelCapabilities, redactingLogger, sdkAdapter } from "@understudy/core/adapter";
import { anthropicParts } from "./anthropic-stream.ts";
import { classifyAnthropicError } from "./classify-anthropic-error.ts";
import { fromAnthropicResponse } from "./from-anthropic-response.ts";
import { type AnthropicBody, type AnthropicRequestSettings, toAnthropicRequest } from "./to-anthropic-request.ts";

/** Options of {@link anthropic}. */
export interface AnthropicModelOptions {
  /** Your own client; its retries are turned off per request. Without one, a client is made from the options below. */
  readonly client?: Anthropic;
  /** API key. Default: `ANTHROPIC_API_KEY`. */
  readonly apiKey?: string;
  /** Base URL (a proxy or gateway). Default: Anthropic's. */
  readonly baseURL?: string;
  /** Where the SDK's own log lines go, keys redacted (it warns of deprecated models, reports malformed events). Default: `console`. */
  readonly logger?: ClientOptions["logger"];
  /** The provider name in results, events and chain ids. Default `anthropic`. */
  readonly provider?: string;
  /** What the model can take (context window, prefill, …). */
  readonly capabilities?: ModelCapabilities;
  /** `max_tokens` for requests that set no `maxTokens` (Anthropic requires one). Default 4096. */
  readonly defaultMaxTokens?: number;
  /**
   * The SDK's own timeout per request, in ms. Default 24 hours: the pipeline's
   * timers decide. Passing one also lifts the SDK's refusal of long
   * non-streamed requests ("streaming is required…"), which a fallback chain
   * with its own attempt timer does not need.
   */
  readonly sdkTimeoutMs?: number;
}

const dayMs = 24 * 60 * 60 * 1_000;

/**
 * A {@link ModelAdapter} for a Claude model over the Messages API. Calls go
 * out with the SDK's retries off: the fallback pipeline is the only retry loop.
 *
 * @example
 * ```ts
 * const primary = anthropic("claude-sonnet-4-6", { capabilities: { contextWindow: 200_000 } });
 * ```
 */
export function anthropic(modelId: string, options: AnthropicModelOptions = {}): ModelAdapter {
  const provider = options.provider ?? "anthropic";
  const settings: AnthropicRequestSettings = { provider, modelId, defaultMaxTokens: options.defaultMaxTokens ?? 4_096 };
  const requestOptions = (signal: AbortSignal) => ({ signal, maxRetries: 0, timeout: options.sdkTimeoutMs ?? dayMs });
  return sdkAdapter<Anthropic, AnthropicBody, unknown>({
    provider,
    modelId,
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    keyHint: "pass apiKey or set ANTHROPIC_API_KEY",
    makeClient: (secrets) =>
      options.client ??
      new Anthropic({
        ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
        ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
        // The SDK logs what the provider sent (a chunk it cannot parse): redacted, like everything else.
        logger: redactingLogger(options.logger ?? console, secrets),
        maxRetries: 0,
      }),
    secrets: (client) => {
      const made = client ?? options.client;
      return [options.apiKey, made?.apiKey ?? undefined, made?.authToken ?? undefined];
    },
    translate: (request) => toAnthropicRequest(request, settings),
    send: async (client, body, signal) => {
      const { data, request_id } = await client.messages
        .create({ ...body, stream: false }, requestOptions(signal))
        .withResponse();
      return { data, requestId: request_id };
    },
    open: async (client, body, signal) => {
      const { data, request_id } = await client.messages.create({ ...body, stream: true }, requestOptions(signal)).withResponse();
      return { data, requestId: request_id };
    },
    answer: fromAnthropicResponse,
    parts: anthropicParts,
    classify: classifyAnthropicError,
    isSdkError: (error) => error instanceof Anthropic.AnthropicError,
  });
}
