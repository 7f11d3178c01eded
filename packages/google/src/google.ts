import { type GenerateContentConfig, GoogleGenAI } from "@google/genai";
import {
  describeThrown,
  type FailureSource,
  type ModelAdapter,
  type ModelCapabilities,
  malformedAnswer,
  sdkAdapter,
} from "@understudy/core/adapter";
import { classifyGoogleError, isApiError } from "./classify-google-error.ts";
import { fromGoogleResponse } from "./from-google-response.ts";
import { checksThoughtSignatures, geminiCapabilities } from "./google-capabilities.ts";
import { endpointOf, recordingFetch, responseRecord, withResponseFacts } from "./google-http.ts";
import { googleParts } from "./google-stream.ts";
import { requestIdOf } from "./request-id.ts";
import { type GoogleBody, type GoogleRequestSettings, toGoogleRequest } from "./to-google-request.ts";

/** Options of {@link google}. */
export interface GoogleModelOptions {
  /**
   * Your own client; its retries (`httpOptions.retryOptions`) are turned off
   * per request. Pass one for Vertex AI:
   * `new GoogleGenAI({ vertexai: true, project, location })` (credentials
   * from Application Default Credentials, or `googleAuthOptions`), or with an
   * API key for Vertex AI express mode. Without one, a Gemini API client is
   * made from the options below.
   */
  readonly client?: GoogleGenAI;
  /** Gemini API key. Default: `GOOGLE_API_KEY`, else `GEMINI_API_KEY` (the order the SDK reads them in). */
  readonly apiKey?: string;
  /** Base URL of the Gemini API (a proxy, a gateway). Default: the SDK's, `https://generativelanguage.googleapis.com`. */
  readonly baseURL?: string;
  /** Extra headers on every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The provider name in results, events and chain ids, e.g. `vertex`. Default `google`. */
  readonly provider?: string;
  /** What the model can take; merged over what is known of Gemini models by their id (context window, reasoning, …). */
  readonly capabilities?: ModelCapabilities;
  /**
   * The SDK's own timeout per request, in ms (`httpOptions.timeout`). Default:
   * none, as the SDK has by default, whatever the client says: the pipeline's
   * timers (attempt, first token, idle) decide, and the SDK must not undercut them.
   */
  readonly sdkTimeoutMs?: number;
}

/**
 * A {@link ModelAdapter} for a Gemini model, over Google's `@google/genai`
 * SDK: the Gemini API by default, Vertex AI through your own client. Calls go
 * out with the SDK's retries (`httpOptions.retryOptions`), its automatic
 * stream continuation and its automatic function calling off: the fallback
 * pipeline is the only retry loop, and tools are the caller's to run.
 *
 * @example
 * ```ts
 * const flash = google("gemini-2.5-flash"); // reads GOOGLE_API_KEY or GEMINI_API_KEY
 * const vertex = google("gemini-2.5-pro", { client: new GoogleGenAI({ vertexai: true, project: "my-project", location: "global" }), provider: "vertex" });
 * ```
 */
export function google(modelId: string, options: GoogleModelOptions = {}): ModelAdapter {
  const provider = options.provider ?? "google";
  const vertex = options.client?.vertexai === true;
  // Who issues this adapter's thought signatures: only they are sent back to it.
  const origin = { model: modelId, endpoint: endpointOf(options.client, options.baseURL) };
  const settings: GoogleRequestSettings = {
    provider,
    modelId,
    // Vertex AI is sent no function call ids (as the AI SDK does): it matches responses by name and order.
    sendCallIds: !vertex,
    signForeignCalls: checksThoughtSignatures(modelId),
    origin,
    vertex,
  };
  const secretsOf = (client: GoogleGenAI | undefined) => [options.apiKey, keyOf(client ?? options.client), ...keysFromEnv()];
  const sourceOf = (client: GoogleGenAI): FailureSource => ({ provider, model: modelId, secrets: secretsOf(client) });
  const callConfig = (
    body: GoogleBody,
    signal: AbortSignal,
    fetch: ReturnType<typeof recordingFetch>,
  ): GenerateContentConfig => ({
    ...body.config,
    abortSignal: signal,
    httpOptions: {
      ...body.config.httpOptions,
      // Per request, over the client's own (which it calls): records the status and headers an error keeps no trace of.
      fetch,
      // Merged over the client's own retry options by the SDK: one attempt, no retry.
      retryOptions: { attempts: 1 },
      // 0: no timer of the SDK's (a client's own `timeout` is overridden).
      timeout: options.sdkTimeoutMs ?? 0,
    },
    automaticFunctionCalling: { disable: true },
    // The SDK would reopen a stream that ends without a finish reason: a retry the pipeline does not see.
    automaticContinuation: false,
  });
  return sdkAdapter<GoogleGenAI, GoogleBody, unknown>({
    provider,
    modelId,
    capabilities: { ...geminiCapabilities(modelId), ...options.capabilities },
    keyHint: "pass apiKey or set GOOGLE_API_KEY or GEMINI_API_KEY",
    makeClient: () => {
      if (options.client) {
        if (!options.client.vertexai && !keyOf(options.client)) throw new Error("the client has no API key");
        return options.client;
      }
      const apiKey = options.apiKey ?? keysFromEnv()[0];
      if (!apiKey) throw new Error("no API key");
      const httpOptions = {
        ...(options.baseURL === undefined ? {} : { baseUrl: options.baseURL }),
        ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
      };
      return new GoogleGenAI({ vertexai: false, apiKey, httpOptions });
    },
    secrets: secretsOf,
    translate: (request) => toGoogleRequest(request, settings),
    send: async (client, body, signal) => {
      const record = responseRecord();
      try {
        const data = await client.models.generateContent({
          ...body,
          config: callConfig(body, signal, recordingFetch(client, record)),
        });
        return { data, requestId: requestIdOf(data) };
      } catch (error) {
        throw withResponseFacts(unreadableAnswer(error, sourceOf(client)), record, sourceOf(client), signal);
      }
    },
    open: async (client, body, signal) => {
      const record = responseRecord();
      try {
        const config = callConfig(body, signal, recordingFetch(client, record));
        const data = await client.models.generateContentStream({ ...body, config });
        // The stream's headers come with its chunks: the request id is read from the first.
        return { data, requestId: undefined };
      } catch (error) {
        throw withResponseFacts(error, record, sourceOf(client), signal);
      }
    },
    answer: (data, requestId, source) => fromGoogleResponse(data, requestId, source, origin),
    parts: (chunks, signal, requestId, source) => googleParts(chunks, signal, requestId, source, origin),
    // With the call's signal: an abort it did not ask for is the SDK's own timeout.
    classify: classifyGoogleError,
    // The SDK's own errors, from this copy of it or the copy the user's client comes from.
    isSdkError: isApiError,
  });
}

/**
 * A 200 whose body is not a JSON object breaks the SDK's own code (it sets
 * `sdkHttpResponse` on the parsed body, and a `null` or a string takes no
 * property): a `server` failure, like any answer that is not one. Anything
 * else is left to the skeleton to classify.
 */
function unreadableAnswer(error: unknown, source: FailureSource): unknown {
  if (error instanceof TypeError && /sdkHttpResponse/.test(describeThrown(error)))
    return malformedAnswer(source, "a body that is not a GenerateContentResponse", describeThrown(error));
  return error;
}

/** The key a client holds (the SDK keeps it in a private field). */
function keyOf(client: GoogleGenAI | undefined): string | undefined {
  const key = (client as unknown as { apiKey?: unknown } | undefined)?.apiKey;
  return typeof key === "string" && key !== "" ? key : undefined;
}

/** The keys the SDK would read from the environment, in its order, read at each call (a key set later is redacted too). */
function keysFromEnv(): string[] {
  const env = globalThis.process?.env ?? {};
  return ["GOOGLE_API_KEY", "GEMINI_API_KEY"].flatMap((name) => {
    const value = env[name]?.trim();
    return value ? [value] : [];
  });
}
