import {
  type AdapterCallOptions,
  type ChatRequest,
  type ChatResponse,
  type FinishReason,
  type ModelAdapter,
  type ModelCapabilities,
  ModelError,
  type ModelErrorKind,
  type ProviderMetadata,
  type StreamPart,
  type ToolCall,
  type Usage,
} from "@understudy/core/adapter";
import { quietPause } from "./quiet-pause.ts";

/**
 * One scripted outcome of a call to a {@link scriptedModel}. Fields combine:
 * `{ delayMs: 50, text: "hi" }` answers after 50 ms; `{ text: "abc", chunks: 3,
 * error: "overloaded", afterChunks: 2 }` streams two chunks then fails.
 */
export interface ScriptStep {
  /** The answer's text. Default `"ok from <modelId>"`. */
  readonly text?: string;
  /** Tool calls in the answer (their arguments as objects). */
  readonly toolCalls?: readonly {
    /** The call's id. Default `call_<n>`, counting from 1. */
    readonly id?: string;
    /** The tool's name. */
    readonly name: string;
    /** The arguments. */
    readonly args: unknown;
    /** Provider facts the call carries, to be sent back with it. */
    readonly providerMetadata?: ProviderMetadata;
  }[];
  /** Provider facts of the answer's text (streamed on its `finish` part). */
  readonly providerMetadata?: ProviderMetadata;
  /** Why the answer stopped. Default `tool-calls` with tool calls, else `stop`. */
  readonly finishReason?: FinishReason;
  /** Usage to report. Default: a little input, a token per four characters of output. */
  readonly usage?: Partial<Usage>;
  /** Fail with this kind (or this very error). With `afterChunks`, mid-stream. */
  readonly error?: ModelErrorKind | ModelError;
  /** With `error`: the HTTP status to report. */
  readonly status?: number;
  /** With `error`: the provider's Retry-After, in ms. */
  readonly retryAfterMs?: number;
  /** Wait this long before answering (or before the first part), in ms. Abortable. */
  readonly delayMs?: number;
  /** Wait for this promise before answering: a barrier for concurrency tests. */
  readonly gate?: Promise<unknown>;
  /** Never answer; only an abort ends the call. */
  readonly hang?: boolean;
  /** Streams: split the text into this many chunks. Default: one chunk per word. */
  readonly chunks?: number;
  /** Streams: wait this long between parts, in ms. */
  readonly chunkDelayMs?: number;
  /** Streams: what happens after this many content parts: `error` is thrown, or with `stall` nothing more comes, or the stream just ends without `finish`. */
  readonly afterChunks?: number;
  /** Streams, with `afterChunks`: stall open (no more parts) until aborted. */
  readonly stall?: boolean;
  /** Ignore the abort signal, as a badly written adapter would. */
  readonly ignoreAbort?: boolean;
}

/** A call the scripted model received. */
export interface ScriptedCall {
  /** 1 for the first call to this model. */
  readonly call: number;
  /** `generate` or `stream`. */
  readonly method: "generate" | "stream";
  /** The request as received. */
  readonly request: ChatRequest;
  /** The signal the engine passed. */
  readonly signal: AbortSignal;
  /** Epoch ms when the call started. */
  readonly startedAt: number;
}

/** Options of {@link scriptedModel}. */
export interface ScriptedModelOptions {
  /** The model id. */
  readonly modelId: string;
  /** The provider name. Default `scripted`. */
  readonly provider?: string;
  /** Declared capabilities. */
  readonly capabilities?: ModelCapabilities;
  /**
   * The outcome of each call in order, or a function of the call number (1
   * first). Calls past the end of a list follow `default`.
   */
  readonly script?: readonly ScriptStep[] | ((call: number, request: ChatRequest) => ScriptStep);
  /** The outcome of every call past the end of `script` (of every call, without one). Default: a plain answer. */
  readonly default?: ScriptStep;
}

/** A fake {@link ModelAdapter} that follows a script, and remembers every call. */
export interface ScriptedModel extends ModelAdapter {
  /** Every call received, in order. */
  readonly calls: readonly ScriptedCall[];
  /** Calls that have not ended yet. */
  readonly inFlight: number;
}

/**
 * Makes a fake model that answers, streams, fails or hangs as scripted — for
 * unit tests of fallback paths without HTTP. Failures are real `ModelError`s;
 * an aborted stream ends silently, as the OpenAI and Anthropic SDKs do, so the
 * engine's handling of that case is tested too.
 *
 * @example
 * ```ts
 * const primary = scriptedModel({ modelId: "primary", script: [{ error: "overloaded" }] });
 * const backup = scriptedModel({ modelId: "backup" });
 * const chat = createFallback({ models: [{ model: primary }, { model: backup }] });
 * ```
 */
export function scriptedModel(options: ScriptedModelOptions): ScriptedModel {
  const calls: ScriptedCall[] = [];
  let inFlight = 0;
  const provider = options.provider ?? "scripted";
  const stepFor = (call: number, request: ChatRequest): ScriptStep => {
    const { script } = options;
    if (typeof script === "function") return script(call, request);
    return script?.[call - 1] ?? options.default ?? {};
  };
  const begin = (method: ScriptedCall["method"], request: ChatRequest, signal: AbortSignal): ScriptStep => {
    const call = calls.length + 1;
    calls.push({ call, method, request, signal, startedAt: Date.now() });
    inFlight++;
    return stepFor(call, request);
  };
  const describe: Described = { provider, model: options.modelId };

  return {
    provider,
    modelId: options.modelId,
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    get calls() {
      return calls;
    },
    get inFlight() {
      return inFlight;
    },
    async generate(request: ChatRequest, { signal }: AdapterCallOptions): Promise<ChatResponse> {
      const step = begin("generate", request, signal);
      try {
        await waitBeforeAnswer(step, signal, describe);
        if (step.error !== undefined) throw errorOf(step, describe);
        return responseOf(step, options.modelId);
      } finally {
        inFlight--;
      }
    },
    async *stream(request: ChatRequest, { signal }: AdapterCallOptions): AsyncGenerator<StreamPart> {
      const step = begin("stream", request, signal);
      try {
        await waitBeforeAnswer(step, signal, describe);
        if (step.error !== undefined && step.afterChunks === undefined) throw errorOf(step, describe);
        const response = responseOf(step, options.modelId);
        const parts = contentParts(response, step.chunks);
        for (const [index, part] of parts.entries()) {
          if (index === step.afterChunks) {
            yield* endEarly(step, signal, describe);
            return;
          }
          if (index > 0 && step.chunkDelayMs) await quietPause(step.chunkDelayMs, signal, step.ignoreAbort);
          if (signal.aborted && !step.ignoreAbort) return;
          yield part;
        }
        if (step.afterChunks !== undefined && step.afterChunks >= parts.length) {
          yield* endEarly(step, signal, describe);
          return;
        }
        if (step.chunkDelayMs) await quietPause(step.chunkDelayMs, signal, step.ignoreAbort);
        if (signal.aborted && !step.ignoreAbort) return;
        yield {
          type: "finish",
          finishReason: response.finishReason,
          usage: response.usage,
          ...(response.providerMetadata ? { providerMetadata: response.providerMetadata } : {}),
        };
      } finally {
        inFlight--;
      }
    },
  };
}

/** The provider and model fields of the errors a scripted model throws. */
type Described = { readonly provider: string; readonly model: string };

async function waitBeforeAnswer(step: ScriptStep, signal: AbortSignal, model: Described): Promise<void> {
  if (step.gate) await step.gate;
  if (step.delayMs) await quietPause(step.delayMs, signal, step.ignoreAbort);
  if (step.hang) await quietPause(Number.POSITIVE_INFINITY, signal, step.ignoreAbort);
  if (signal.aborted && !step.ignoreAbort) throw abortedError(model);
}

/** What a stream does at `afterChunks`: throw, stall until aborted, or end without `finish`. */
async function* endEarly(step: ScriptStep, signal: AbortSignal, model: Described): AsyncGenerator<StreamPart> {
  if (step.error !== undefined) throw errorOf(step, model);
  if (step.stall) await quietPause(Number.POSITIVE_INFINITY, signal, step.ignoreAbort);
  // Ending here, with no finish part, is the silent cut both SDKs produce.
  yield* [];
}

function abortedError(model: Described): ModelError {
  return new ModelError({ kind: "aborted", message: "request aborted", ...model });
}

function errorOf(step: ScriptStep, model: Described): ModelError {
  if (step.error instanceof ModelError) return step.error;
  const kind = step.error as ModelErrorKind;
  return new ModelError({
    kind,
    message: `scripted ${kind} from ${model.model}`,
    ...model,
    ...(step.status === undefined ? {} : { status: step.status }),
    ...(step.retryAfterMs === undefined ? {} : { retryAfterMs: step.retryAfterMs }),
  });
}

function responseOf(step: ScriptStep, modelId: string): ChatResponse {
  const text = step.text ?? (step.toolCalls ? "" : `ok from ${modelId}`);
  const toolCalls: ToolCall[] = (step.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? `call_${index + 1}`,
    name: call.name,
    args: call.args,
    argsText: JSON.stringify(call.args),
    ...(call.providerMetadata ? { providerMetadata: call.providerMetadata } : {}),
  }));
  return {
    text,
    toolCalls,
    finishReason: step.finishReason ?? (toolCalls.length > 0 ? "tool-calls" : "stop"),
    ...(step.providerMetadata ? { providerMetadata: step.providerMetadata } : {}),
    usage: {
      inputTokens: 10,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: Math.ceil(text.length / 4),
      reasoningTokens: 0,
      estimated: false,
      ...step.usage,
    },
  };
}

function contentParts(response: ChatResponse, chunks: number | undefined): StreamPart[] {
  const pieces = splitText(response.text, chunks);
  const parts: StreamPart[] = pieces.map((text) => ({ type: "text-delta", text }));
  for (const toolCall of response.toolCalls) {
    parts.push({ type: "tool-call-delta", id: toolCall.id, name: toolCall.name, argsTextDelta: toolCall.argsText });
    parts.push({ type: "tool-call", toolCall });
  }
  return parts;
}

function splitText(text: string, chunks: number | undefined): string[] {
  if (text === "") return [];
  if (chunks === undefined) return text.match(/\S+\s*|\s+/g) ?? [text];
  const size = Math.ceil(text.length / chunks);
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces;
}
