import Anthropic, { type ClientOptions } from "@anthropic-ai/sdk";
import type {
  AdapterCallOptions,
  ChatRequest,
  ChatResponse,
  FailureSource,
  ModelAdapter,
  ModelCapabilities,
  StreamPart,
} from "@understudy/core/adapter";
import {
  adapterFailure,
  isModelError,
  type ModelError,
  malformedAnswer,
  redactingLogger,
  unserialisableRequest,
  untranslatableRequest,
} from "@understudy/core/adapter";
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
  let client = options.client;
  // Read when a failure is built, not before: a client made from ANTHROPIC_API_KEY holds the key only once it exists.
  const source = (): FailureSource => ({
    provider,
    model: modelId,
    secrets: [options.apiKey, client?.apiKey ?? undefined, client?.authToken ?? undefined],
  });
  const clientOrFail = (): Anthropic => {
    try {
      client ??= new Anthropic({
        ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
        ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
        // The SDK logs what the provider sent (a chunk it cannot parse): redacted, like everything else.
        logger: redactingLogger(options.logger ?? console, () => source().secrets),
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
  const translate = (request: ChatRequest): AnthropicBody => {
    try {
      return toAnthropicRequest(request, settings);
    } catch (error) {
      throw untranslatableRequest(error, source());
    }
  };

  return {
    provider,
    modelId,
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    async generate(request: ChatRequest, { signal }: AdapterCallOptions): Promise<ChatResponse> {
      const body = translate(request);
      let answer: { data: unknown; request_id: string | null | undefined };
      try {
        answer = await clientOrFail()
          .messages.create({ ...body, stream: false }, requestOptions(signal))
          .withResponse();
      } catch (error) {
        // The only JSON the SDK parses here is the body of a 200.
        if (error instanceof SyntaxError) throw malformedAnswer(source(), "a body that is not JSON", error.message);
        throw failureOf(error, body, source());
      }
      return fromAnthropicResponse(answer.data, answer.request_id, source());
    },
    async *stream(request: ChatRequest, { signal }: AdapterCallOptions): AsyncGenerator<StreamPart> {
      const body = translate(request);
      let opened: { data: AsyncIterable<unknown>; request_id: string | null | undefined };
      try {
        opened = await clientOrFail()
          .messages.create({ ...body, stream: true }, requestOptions(signal))
          .withResponse();
      } catch (error) {
        throw failureOf(error, body, source());
      }
      yield* anthropicParts(opened.data, signal, opened.request_id, source());
    },
  };
}

/**
 * What a failed SDK call means. An error that is not the SDK's own may be its
 * `JSON.stringify` refusing the body (a cycle, a BigInt): the caller's bug,
 * `invalid_request`, never a `connection` fault against the model.
 */
function failureOf(error: unknown, body: AnthropicBody, source: FailureSource): ModelError {
  const sdkError = isModelError(error) || error instanceof Anthropic.AnthropicError;
  return (sdkError ? undefined : unserialisableRequest(body, source)) ?? classifyAnthropicError(error, source);
}
