import Anthropic, { type ClientOptions } from "@anthropic-ai/sdk";
import type { RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages";
import type {
  AdapterCallOptions,
  ChatRequest,
  ChatResponse,
  FailureSource,
  ModelAdapter,
  ModelCapabilities,
  StreamPart,
} from "@understudy/core";
import { adapterFailure } from "@understudy/core";
import { anthropicParts } from "./anthropic-stream.ts";
import { classifyAnthropicError } from "./classify-anthropic-error.ts";
import { fromAnthropicResponse } from "./from-anthropic-response.ts";
import { type AnthropicRequestSettings, toAnthropicRequest } from "./to-anthropic-request.ts";

/** Options of {@link anthropic}. */
export interface AnthropicModelOptions {
  /** Your own client; its retries are turned off per request. Without one, a client is made from the options below. */
  readonly client?: Anthropic;
  /** API key. Default: `ANTHROPIC_API_KEY`. */
  readonly apiKey?: string;
  /** Base URL (a proxy or gateway). Default: Anthropic's. */
  readonly baseURL?: string;
  /** Where the SDK's own log lines go (it warns of deprecated models, reports malformed events). Default: `console`. */
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
  let client = options.client;
  const source = (): FailureSource => ({ provider, model: modelId, secrets: [options.apiKey, client?.apiKey ?? undefined] });
  const clientOrFail = (): Anthropic => {
    try {
      client ??= new Anthropic({
        ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
        ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
        ...(options.logger === undefined ? {} : { logger: options.logger }),
        maxRetries: 0,
      });
      return client;
    } catch (error) {
      throw adapterFailure(
        "auth",
        `cannot make an Anthropic client (pass apiKey or set ANTHROPIC_API_KEY): ${String(error)}`,
        source(),
        error,
      );
    }
  };
  const requestOptions = (signal: AbortSignal) => ({ signal, maxRetries: 0, timeout: options.sdkTimeoutMs ?? dayMs });

  return {
    provider,
    modelId,
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    async generate(request: ChatRequest, { signal }: AdapterCallOptions): Promise<ChatResponse> {
      const body = toAnthropicRequest(request, settings);
      try {
        const { data, request_id } = await clientOrFail()
          .messages.create({ ...body, stream: false }, requestOptions(signal))
          .withResponse();
        return fromAnthropicResponse(data, request_id, source());
      } catch (error) {
        throw classifyAnthropicError(error, source());
      }
    },
    async *stream(request: ChatRequest, { signal }: AdapterCallOptions): AsyncGenerator<StreamPart> {
      const body = toAnthropicRequest(request, settings);
      let opened: { data: AsyncIterable<RawMessageStreamEvent>; request_id: string | null | undefined };
      try {
        opened = await clientOrFail()
          .messages.create({ ...body, stream: true }, requestOptions(signal))
          .withResponse();
      } catch (error) {
        throw classifyAnthropicError(error, source());
      }
      yield* anthropicParts(opened.data, signal, opened.request_id, source());
    },
  };
}
