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
import OpenAI, { type ClientOptions } from "openai";
import { classifyOpenAIError } from "./classify-openai-error.ts";
import { fromOpenAIResponse } from "./from-openai-response.ts";
import { openaiParts } from "./openai-stream.ts";
import { type OpenAIBody, type OpenAIRequestSettings, toOpenAIRequest } from "./to-openai-request.ts";

/** Options of {@link openai}. */
export interface OpenAIModelOptions {
  /** Your own client; its retries are turned off per request. Without one, a client is made from the options below. */
  readonly client?: OpenAI;
  /** API key. Default: `OPENAI_API_KEY`. */
  readonly apiKey?: string;
  /** Base URL of an OpenAI-compatible endpoint (OpenRouter, vLLM, Ollama, Groq, …). Default: OpenAI's. */
  readonly baseURL?: string;
  /** Where the SDK's own log lines go, keys redacted (it warns, and reports malformed chunks). Default: `console`. */
  readonly logger?: ClientOptions["logger"];
  /** Extra headers on every request (e.g. OpenRouter's `HTTP-Referer`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The provider name in results, events and chain ids, e.g. `groq`. Default `openai`. */
  readonly provider?: string;
  /** What the model can take (context window, tools, images, …). */
  readonly capabilities?: ModelCapabilities;
  /** Whether this is a reasoning model. Default: guessed from the id (`o1`, `o3`, `o4-mini`, `gpt-5…`). */
  readonly reasoning?: boolean;
  /** Which field carries `maxTokens`. Default `max_completion_tokens` for reasoning models, else `max_tokens` (which compatible servers know). */
  readonly maxTokensField?: "max_tokens" | "max_completion_tokens";
  /** The role of the system prompt. Default `developer` for reasoning models, else `system`. */
  readonly systemRole?: "system" | "developer";
  /**
   * The SDK's own timeout per request, in ms. Default 24 hours: the pipeline's
   * timers (attempt, first token, idle) decide, and the SDK must not undercut them.
   */
  readonly sdkTimeoutMs?: number;
}

const dayMs = 24 * 60 * 60 * 1_000;
const reasoningModel = /^(o\d|gpt-5)/;

/**
 * A {@link ModelAdapter} for an OpenAI chat model, or any OpenAI-compatible
 * endpoint through `baseURL` or your own client. Calls go out with the SDK's
 * retries off: the fallback pipeline is the only retry loop.
 *
 * @example
 * ```ts
 * const primary = openai("gpt-4.1-mini");
 * const groq = openai("llama-3.3-70b-versatile", { baseURL: "https://api.groq.com/openai/v1", apiKey: process.env.GROQ_API_KEY, provider: "groq" });
 * ```
 */
export function openai(modelId: string, options: OpenAIModelOptions = {}): ModelAdapter {
  const provider = options.provider ?? "openai";
  const reasoning = options.reasoning ?? options.capabilities?.reasoning ?? reasoningModel.test(modelId);
  const settings: OpenAIRequestSettings = {
    provider,
    modelId,
    reasoning,
    maxTokensField: options.maxTokensField ?? (reasoning ? "max_completion_tokens" : "max_tokens"),
    systemRole: options.systemRole ?? (reasoning ? "developer" : "system"),
  };
  let client = options.client;
  // Read when a failure is built, not before: a client made from OPENAI_API_KEY holds the key only once it exists.
  const source = (): FailureSource => ({
    provider,
    model: modelId,
    secrets: [options.apiKey, typeof client?.apiKey === "string" ? client.apiKey : undefined],
  });
  const clientOrFail = (): OpenAI => {
    try {
      client ??= new OpenAI({
        ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
        ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
        ...(options.headers === undefined ? {} : { defaultHeaders: options.headers }),
        // The SDK logs what the provider sent (a chunk it cannot parse): redacted, like everything else.
        logger: redactingLogger(options.logger ?? console, () => source().secrets),
        maxRetries: 0,
      });
      return client;
    } catch (error) {
      throw adapterFailure(
        "auth",
        `cannot make an OpenAI client (pass apiKey or set OPENAI_API_KEY): ${String(error)}`,
        source(),
        error,
      );
    }
  };
  const requestOptions = (signal: AbortSignal) => ({ signal, maxRetries: 0, timeout: options.sdkTimeoutMs ?? dayMs });
  const translate = (request: ChatRequest): OpenAIBody => {
    try {
      return toOpenAIRequest(request, settings);
    } catch (error) {
      throw untranslatableRequest(error, source());
    }
  };

  return {
    provider,
    modelId,
    capabilities: { prefill: false, ...options.capabilities, reasoning },
    async generate(request: ChatRequest, { signal }: AdapterCallOptions): Promise<ChatResponse> {
      const body = translate(request);
      let answer: { data: unknown; request_id: string | null };
      try {
        answer = await clientOrFail()
          .chat.completions.create({ ...body, stream: false }, requestOptions(signal))
          .withResponse();
      } catch (error) {
        // The only JSON the SDK parses here is the body of a 200.
        if (error instanceof SyntaxError) throw malformedAnswer(source(), "a body that is not JSON", error.message);
        throw failureOf(error, body, source());
      }
      return fromOpenAIResponse(answer.data, answer.request_id, source());
    },
    async *stream(request: ChatRequest, { signal }: AdapterCallOptions): AsyncGenerator<StreamPart> {
      const body = translate(request);
      let opened: { data: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>; request_id: string | null };
      try {
        opened = await clientOrFail()
          .chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, requestOptions(signal))
          .withResponse();
      } catch (error) {
        throw failureOf(error, body, source());
      }
      yield* openaiParts(opened.data, signal, opened.request_id, source());
    },
  };
}

/**
 * What a failed SDK call means. An error that is not the SDK's own may be its
 * `JSON.stringify` refusing the body (a cycle, a BigInt): the caller's bug,
 * `invalid_request`, never a `connection` fault against the model.
 */
function failureOf(error: unknown, body: OpenAIBody, source: FailureSource): ModelError {
  const sdkError = isModelError(error) || error instanceof OpenAI.OpenAIError;
  return (sdkError ? undefined : unserialisableRequest(body, source)) ?? classifyOpenAIError(error, source);
}
