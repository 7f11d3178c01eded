import { isModelError, type ModelError } from "../errors/model-error.ts";
import type { ChatRequest } from "../spec/chat-request.ts";
import type { ChatResponse } from "../spec/chat-response.ts";
import type { AdapterCallOptions, ModelAdapter, ModelCapabilities } from "../spec/model-adapter.ts";
import type { StreamPart } from "../spec/stream-part.ts";
import {
  adapterFailure,
  describeThrown,
  type FailureSource,
  malformedAnswer,
  unserialisableRequest,
  untranslatableRequest,
} from "./adapter-failure.ts";

/** What an SDK call answered: its body (untrusted until mapped) and the provider's request id header. */
export interface SdkReply<Data> {
  /** The parsed body, or the stream of parsed chunks. */
  readonly data: Data;
  /** The provider's request id header, when it sent one. */
  readonly requestId: string | null | undefined;
}

/**
 * What an adapter over an official SDK is made of: its wire mapping and its
 * classifier. {@link sdkAdapter} adds what every such adapter does the same
 * way — a client made at the first call (a failure there is `auth`: no key),
 * request translation whose failure is the caller's (`invalid_request`), the
 * SDK's own JSON of a 200 that is not JSON (`server`), a body the SDK cannot
 * serialise (`invalid_request`, never a fault of the model), every other
 * failure classified and redacted.
 *
 * @typeParam Client - the SDK's client
 * @typeParam Body - the provider's request body, as `translate` makes it
 * @typeParam Chunk - one parsed event of the provider's stream
 */
export interface SdkAdapterSpec<Client, Body, Chunk> {
  /** The provider's name, e.g. `openai`; also the key of its `providerOptions`. */
  readonly provider: string;
  /** The model id as the provider knows it. */
  readonly modelId: string;
  /** What the model can take. */
  readonly capabilities?: ModelCapabilities;
  /**
   * Makes the SDK client, with its own retries off; called once, at the first
   * call. `secrets` gives the keys to redact from what the SDK logs. A throw
   * here means the client has no usable key: an `auth` failure that names `keyHint`.
   */
  readonly makeClient: (secrets: () => readonly (string | undefined)[]) => Client;
  /** Where the key comes from, for that failure, e.g. "pass apiKey or set OPENAI_API_KEY". */
  readonly keyHint: string;
  /** The keys to redact wherever provider text appears, read when a failure is built (a client holds its key once made). */
  readonly secrets: (client: Client | undefined) => readonly (string | undefined)[];
  /** The neutral request in the provider's wire format. A throw here is the caller's fault. */
  readonly translate: (request: ChatRequest) => Body;
  /** Sends a non-streamed request. */
  readonly send: (client: Client, body: Body, signal: AbortSignal) => Promise<SdkReply<unknown>>;
  /** Opens a streamed request. */
  readonly open: (client: Client, body: Body, signal: AbortSignal) => Promise<SdkReply<AsyncIterable<Chunk>>>;
  /** Maps a complete answer; throws a `ModelError` for a body that is not one. */
  readonly answer: (data: unknown, requestId: string | null | undefined, source: FailureSource) => ChatResponse;
  /**
   * Maps the stream's chunks to parts, ending with `finish`, and classifies
   * what the stream throws (with `midStream` once content was delivered).
   */
  readonly parts: (
    chunks: AsyncIterable<Chunk>,
    signal: AbortSignal,
    requestId: string | null | undefined,
    source: FailureSource,
  ) => AsyncIterable<StreamPart>;
  /**
   * Classifies anything the SDK threw into a redacted `ModelError`. `signal`
   * is the call's: an abort the chain did not ask for (a custom `fetch`'s own
   * timer) is a failure of the model, not the caller's abort.
   */
  readonly classify: (error: unknown, source: FailureSource, signal: AbortSignal) => ModelError;
  /** True for the SDK's own errors (its base error class): anything else may be a body it could not serialise. */
  readonly isSdkError: (error: unknown) => boolean;
}

/**
 * A {@link ModelAdapter} from an SDK adapter's wire mapping and classifier:
 * the skeleton every adapter over an official SDK shares.
 *
 * @example
 * ```ts
 * const adapter = sdkAdapter({ provider: "acme", modelId, keyHint: "pass apiKey", makeClient, secrets, translate, send, open, answer, parts, classify, isSdkError });
 * ```
 */
export function sdkAdapter<Client, Body, Chunk>(spec: SdkAdapterSpec<Client, Body, Chunk>): ModelAdapter {
  const { provider, modelId } = spec;
  let client: Client | undefined;
  const source = (): FailureSource => ({ provider, model: modelId, secrets: spec.secrets(client) });
  const clientOrFail = (): Client => {
    try {
      client ??= spec.makeClient(() => source().secrets);
      return client;
    } catch (error) {
      throw adapterFailure(
        "auth",
        `cannot make a ${provider} client (${spec.keyHint}): ${describeThrown(error)}`,
        source(),
        error,
      );
    }
  };
  const translate = (request: ChatRequest): Body => {
    try {
      return spec.translate(request);
    } catch (error) {
      throw untranslatableRequest(error, source());
    }
  };
  // An error that is not the SDK's own may be its JSON.stringify refusing the
  // body (a cycle, a BigInt): the caller's bug, never a fault of the model.
  const failureOf = (error: unknown, body: Body, signal: AbortSignal): ModelError => {
    if (isModelError(error)) return error;
    const unserialisable = spec.isSdkError(error) ? undefined : unserialisableRequest(body, source());
    return unserialisable ?? spec.classify(error, source(), signal);
  };

  return {
    provider,
    modelId,
    ...(spec.capabilities ? { capabilities: spec.capabilities } : {}),
    async generate(request: ChatRequest, { signal }: AdapterCallOptions): Promise<ChatResponse> {
      const body = translate(request);
      let reply: SdkReply<unknown>;
      try {
        reply = await spec.send(clientOrFail(), body, signal);
      } catch (error) {
        // The only JSON an SDK parses on this path is the body of a 200.
        if (error instanceof SyntaxError) throw malformedAnswer(source(), "a body that is not JSON", error.message);
        throw failureOf(error, body, signal);
      }
      return spec.answer(reply.data, reply.requestId, source());
    },
    async *stream(request: ChatRequest, { signal }: AdapterCallOptions): AsyncGenerator<StreamPart> {
      const body = translate(request);
      let opened: SdkReply<AsyncIterable<Chunk>>;
      try {
        opened = await spec.open(clientOrFail(), body, signal);
      } catch (error) {
        throw failureOf(error, body, signal);
      }
      yield* spec.parts(opened.data, signal, opened.requestId, source());
    },
  };
}
