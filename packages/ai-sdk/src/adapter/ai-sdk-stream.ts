import {
  answerIds,
  type FailureSource,
  malformedChunk,
  type ProviderMetadata,
  type StreamPart,
  unfinishedStream,
} from "@understudy/core/adapter";
import { classifyAiSdkError } from "./classify-ai-sdk-error.ts";
import { finishReasonOf } from "./finish-reason.ts";
import { toolCallOf } from "./from-generate-result.ts";
import { isRecord } from "./is-record.ts";
import { providerMetadataOf } from "./provider-metadata.ts";
import { usageOf } from "./usage-of.ts";

/** What a stream has gathered so far besides the parts it yielded. */
interface StreamState {
  /** Tool names by call id, from `tool-input-start`: the deltas carry only the id. */
  readonly toolNames: Map<string, string>;
  /** Calls the provider runs itself (`providerExecuted`): not the caller's, so not passed on. */
  readonly providerCalls: Set<string>;
  responseId: unknown;
  responseModel: unknown;
  /** The text so far, quoted if the answer turns out withheld. */
  text: string;
  /** The `finish` part, once it came. */
  finish: Record<string, unknown> | undefined;
}

/**
 * Maps the parts of an AI SDK stream (v2, v3 and v4 share them) to neutral
 * parts. The stream is complete at its `finish` part, unless that part says
 * the answer is not one (see `finishReasonOf`); a stream that ends without
 * one — cut, or ended silently by an abort — is broken. An `error` part is
 * the provider's error event: it ends the stream as a classified failure
 * (the SDK would go on and finish with reason `error`). Metadata, sources,
 * files, raw chunks and the provider's own tool runs are not passed on.
 */
export async function* aiSdkParts(
  parts: AsyncIterable<unknown>,
  signal: AbortSignal,
  requestId: string | null | undefined,
  source: FailureSource,
): AsyncGenerator<StreamPart> {
  const state: StreamState = {
    toolNames: new Map(),
    providerCalls: new Set(),
    responseId: undefined,
    responseModel: undefined,
    text: "",
    finish: undefined,
  };
  let delivered = false;
  try {
    for await (const part of parts) {
      const mapped = partOf(part, state, { ...source, midStream: delivered });
      if (mapped) {
        delivered = true;
        yield mapped;
      }
      if (state.finish) break;
    }
  } catch (error) {
    throw classifyAiSdkError(error, { ...source, midStream: delivered }, { inStream: true, signal });
  }
  if (!state.finish) throw unfinishedStream(source, signal, "a finish part");
  yield {
    type: "finish",
    finishReason: finishReasonOf(state.finish.finishReason, source, { stream: true, signal }, state.text),
    usage: usageOf(state.finish.usage),
    ...answerIds(state, requestId, source),
  };
}

/** The neutral part one AI SDK part makes, if any; its other news kept in `state`. A part of the wrong shape breaks the stream. */
function partOf(part: unknown, state: StreamState, source: FailureSource): StreamPart | undefined {
  const malformed = (problem: string) => malformedChunk(source, problem, part);
  if (!isRecord(part)) throw malformed("a part that is not an object");
  switch (part.type) {
    case "text-delta":
    case "reasoning-delta": {
      if (typeof part.delta !== "string") throw malformed(`a ${part.type} whose delta is not text`);
      const providerMetadata = providerMetadataOf(part.providerMetadata);
      if (part.type === "text-delta") state.text += part.delta;
      return textPart(part.type, part.delta, providerMetadata);
    }
    case "tool-input-start":
      if (typeof part.id !== "string" || typeof part.toolName !== "string")
        throw malformed("a tool-input-start of the wrong shape");
      if (part.providerExecuted === true) state.providerCalls.add(part.id);
      state.toolNames.set(part.id, part.toolName);
      return undefined;
    case "tool-input-delta": {
      if (typeof part.id !== "string" || typeof part.delta !== "string") throw malformed("a tool-input-delta of the wrong shape");
      if (part.delta === "" || state.providerCalls.has(part.id)) return undefined;
      return { type: "tool-call-delta", id: part.id, name: state.toolNames.get(part.id) ?? "", argsTextDelta: part.delta };
    }
    case "tool-call": {
      if (part.providerExecuted === true) return undefined;
      const toolCall = toolCallOf(part);
      if (!toolCall) throw malformed("a tool call of the wrong shape");
      return { type: "tool-call", toolCall };
    }
    case "response-metadata":
      state.responseId ??= part.id;
      state.responseModel ??= part.modelId;
      return undefined;
    case "error":
      throw classifyAiSdkError(part.error, source, { inStream: true });
    case "finish":
      state.finish = part;
      return undefined;
    default:
      return undefined;
  }
}

/**
 * A text or reasoning delta; none for an empty one, which is no content (an
 * early empty delta must not end the free failover before the first token),
 * unless it carries provider facts (Anthropic's reasoning signature comes so).
 */
function textPart(
  type: "text-delta" | "reasoning-delta",
  text: string,
  providerMetadata: ProviderMetadata | undefined,
): StreamPart | undefined {
  if (text === "" && !providerMetadata) return undefined;
  return { type, text, ...(providerMetadata ? { providerMetadata } : {}) };
}
