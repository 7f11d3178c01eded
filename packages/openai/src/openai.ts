import { type ModelAdapter, type ModelCapabilities, redactingLogger, sdkAdapter } from "@understudy/core/adapter";
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
  const requestOptions = (signal: AbortSignal) => ({ signal, maxRetries: 0, timeout: options.sdkTimeoutMs ?? dayMs });
  return sdkAdapter<OpenAI, OpenAIBody, unknown>({
    provider,
    modelId,
    capabilities: { prefill: false, ...options.capabilities, reasoning },
    keyHint: "pass apiKey or set OPENAI_API_KEY",
    makeClient: (secrets) =>
      options.client ??
      new OpenAI({
        ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
        ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
        ...(options.headers === undefined ? {} : { defaultHeaders: options.headers }),
        // The SDK logs what the provider sent (a chunk it cannot parse): redacted, like everything else.
        logger: redactingLogger(options.logger ?? console, secrets),
        maxRetries: 0,
      }),
    secrets: (client) => {
      const made = client ?? options.client;
      return [options.apiKey, typeof made?.apiKey === "string" ? made.apiKey : undefined];
    },
    translate: (request) => toOpenAIRequest(request, settings),
    send: async (client, body, signal) => {
      const { data, request_id } = await client.chat.completions
        .create({ ...body, stream: false }, requestOptions(signal))
        .withResponse();
      return { data, requestId: request_id };
    },
    open: async (client, body, signal) => {
      const { data, request_id } = await client.chat.completions
        .create({ ...body, stream: true, stream_options: { include_usage: true } }, requestOptions(signal))
        .withResponse();
      return { data, requestId: request_id };
    },
    answer: fromOpenAIResponse,
    parts: openaiParts,
    classify: classifyOpenAIError,
    isSdkError: (error) => error instanceof OpenAI.OpenAIError,
  });
}
