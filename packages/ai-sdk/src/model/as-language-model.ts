import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamResult,
} from "@ai-sdk/provider";
import { type CallOptions, type Fallback, type FallbackStream, type FallbackStreamPart, RequestError } from "@understudy/core";
import { toAiSdkError } from "./to-ai-sdk-error.ts";
import { type TranslatedCall, toChatRequest } from "./to-chat-request.ts";
import { contentOf, responseMetadataOf, resultMetadataOf, specFinishReasonOf, specUsageOf } from "./to-v3-answer.ts";
import { toV3Stream } from "./to-v3-stream.ts";

/** Options of {@link asLanguageModel}. */
export interface LanguageModelOptions {
  /** The provider name `ai` reports (telemetry, logs). Default `understudy`. */
  readonly provider?: string;
  /** The model id `ai` reports before an answer names the model that gave it. Default: the chain's model ids joined by `>`. */
  readonly modelId?: string;
}

/**
 * A fallback chain as an AI SDK language model (specification v3, which
 * `ai` 6 and `ai` 7 both accept): pass it wherever `ai` takes a `model` —
 * `generateText`, `streamText`, `Output.object`, tool loops, UI message
 * streams — and every call runs through the chain's retries, breakers,
 * timeouts and fallbacks.
 *
 * - A failover before the first content is invisible to `ai`: the stream
 *   starts once the answering model's first content is in hand.
 * - `response.modelId` names the model that answered, and
 *   `providerMetadata.understudy` (an {@link UnderstudyMetadata}) holds the
 *   attempts, the reasons for each switch and the cost.
 * - A stream that fails after content ends with an `error` part and no
 *   `finish`, as a provider's own stream error does: `ai` calls `onError`,
 *   the step's `finishReason` is `"error"`, and a UI message stream ends
 *   with an error chunk. `result.text` then holds only what was shown:
 *   check `finishReason` before you keep it. Restarts (`midStream:
 *   "restart"`) are off through the bridge, since `ai` cannot take back
 *   text it has already collected.
 * - Settings no understudy adapter can send (`topK`, `seed`, penalties,
 *   per-call `headers`) come back as the call's warnings.
 * - Failures reach `ai` as its `APICallError` with `isRetryable: false`
 *   (the chain has retried already: give `ai` `maxRetries: 0` or leave its
 *   default, which then does nothing), the understudy error as `cause`.
 * - `providerOptions.understudy` takes per-call chain options: `models`
 *   (the chain ids to use) and `deadlineMs`. Other `providerOptions` keys
 *   go to the chain's adapters, each reading its own.
 *
 * @example
 * ```ts
 * import { asLanguageModel } from "@understudy/ai-sdk";
 * import { streamText } from "ai";
 *
 * const model = asLanguageModel(chat);
 * const result = streamText({ model, prompt: "Write a haiku about failover." });
 * for await (const text of result.textStream) process.stdout.write(text);
 * console.log((await result.providerMetadata)?.understudy?.model);
 * ```
 */
export function asLanguageModel(chain: Fallback, options: LanguageModelOptions = {}): LanguageModelV3 {
  const provider = options.provider ?? "understudy";
  const modelId = options.modelId ?? chain.modelIds.join(">");
  const url = `understudy://${modelId}`;
  return {
    specificationVersion: "v3",
    provider,
    modelId,
    // Images by URL go to the chain's adapters as URLs; `ai` downloads anything else itself.
    supportedUrls: { "image/*": [/^https?:\/\/.+$/i] },

    async doGenerate(callOptions: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
      const { abortSignal } = callOptions;
      const call = toChatRequest(callOptions);
      try {
        const result = await chain.generate(call.request, chainCallOptions(call, abortSignal));
        return {
          content: contentOf(result),
          finishReason: specFinishReasonOf(result.finishReason),
          usage: specUsageOf(result.usage),
          providerMetadata: resultMetadataOf(result),
          response: responseMetadataOf(result, new Date()),
          warnings: call.warnings,
        };
      } catch (error) {
        throw toAiSdkError(error, abortSignal, url);
      }
    },

    async doStream(callOptions: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
      const { abortSignal } = callOptions;
      const call = toChatRequest(callOptions);
      const errorOf = (error: unknown): unknown => toAiSdkError(error, abortSignal, url);
      let stream: FallbackStream;
      let parts: AsyncIterator<FallbackStreamPart>;
      let first: IteratorResult<FallbackStreamPart>;
      try {
        stream = chain.stream(call.request, chainCallOptions(call, abortSignal));
        parts = stream[Symbol.asyncIterator]();
        // The stream starts once the answering model's first part is in hand: a failover before it is never seen.
        first = await parts.next();
      } catch (error) {
        throw errorOf(error);
      }
      if (first.done) throw errorOf(new Error("understudy: the chain's stream ended before its finish"));
      return { stream: toV3Stream({ parts, first: first.value, result: stream.result, warnings: call.warnings, errorOf }) };
    },
  };
}

/** The per-call chain options `providerOptions.understudy` may hold. */
const understudyCallOptions = ["models", "deadlineMs"];

/** The chain's call options: the caller's signal, `midStream: "error"`, and `providerOptions.understudy`. */
function chainCallOptions(call: TranslatedCall, signal: AbortSignal | undefined): CallOptions {
  const { models, deadlineMs, ...unknown } = call.understudyOptions ?? {};
  const [stray] = Object.keys(unknown);
  if (stray !== undefined) {
    throw new RequestError(
      `providerOptions.understudy.${stray}`,
      "is not a per-call option of a chain",
      `use ${understudyCallOptions.map((name) => `\`${name}\``).join(" or ")}; set the rest on the chain`,
    );
  }
  return {
    ...(signal ? { signal } : {}),
    midStream: "error",
    ...(models === undefined ? {} : { models: models as readonly string[] }),
    ...(deadlineMs === undefined ? {} : { deadlineMs: deadlineMs as number }),
  };
}
