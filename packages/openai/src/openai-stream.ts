import {
  answerIds,
  type FailureSource,
  malformedChunk,
  type StreamPart,
  toolCallFromText,
  unfinishedStream,
} from "@understudy/core/adapter";
import { classifyOpenAIError } from "./classify-openai-error.ts";
import { contentFilterError, finishReasonOf, isRecord, usageOf } from "./from-openai-response.ts";

interface PendingCall {
  id: string;
  name: string;
  args: string;
}

/** What a stream has gathered so far. */
interface StreamState {
  readonly calls: Map<number, PendingCall>;
  finish: string | undefined;
  refusal: string;
  usage: unknown;
  responseId: unknown;
  responseModel: unknown;
  delivered: boolean;
}

/**
 * Maps Chat Completions chunks to neutral parts. The stream is complete once
 * a `finish_reason` arrived (the usage chunk follows it; `[DONE]` may be
 * missing); a stream that ends before — cut, or ended silently by an abort —
 * is broken, and so is one whose chunks have the wrong shape. Tool calls are
 * delivered whole at the end, their deltas as they come.
 */
export async function* openaiParts(
  chunks: AsyncIterable<unknown>,
  signal: AbortSignal,
  requestId: string | null | undefined,
  source: FailureSource,
): AsyncGenerator<StreamPart> {
  const state: StreamState = {
    calls: new Map(),
    finish: undefined,
    refusal: "",
    usage: undefined,
    responseId: undefined,
    responseModel: undefined,
    delivered: false,
  };
  try {
    for await (const chunk of chunks) {
      for (const part of partsOf(chunk, state, source)) {
        state.delivered = true;
        yield part;
      }
    }
  } catch (error) {
    throw classifyOpenAIError(error, { ...source, midStream: state.delivered });
  }
  if (state.finish === undefined) {
    throw unfinishedStream(source, signal, "a finish_reason");
  }
  if (state.finish === "content_filter" || state.refusal) throw contentFilterError(source, state.refusal);
  for (const call of state.calls.values()) yield { type: "tool-call", toolCall: toolCallFromText(call.id, call.name, call.args) };
  yield {
    type: "finish",
    finishReason: finishReasonOf(state.finish),
    usage: usageOf(state.usage),
    ...answerIds(state, requestId, source),
  };
}

/** The parts one chunk carries, its other news kept in `state`; a chunk of the wrong shape breaks the stream. */
function partsOf(chunk: unknown, state: StreamState, source: FailureSource): StreamPart[] {
  const malformed = (problem: string) => malformedChunk(source, problem, chunk);
  if (!isRecord(chunk)) throw malformed("a chunk that is not an object");
  state.responseId ??= chunk.id;
  state.responseModel ??= chunk.model;
  if (chunk.usage) state.usage = chunk.usage;
  const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
  if (!isRecord(choice)) return [];
  const delta = isRecord(choice.delta) ? choice.delta : {};
  const parts: StreamPart[] = [];
  if (!isText(delta.refusal) || !isText(delta.content)) throw malformed("a delta whose content or refusal is not text");
  if (delta.refusal) state.refusal += delta.refusal;
  if (delta.content) parts.push({ type: "text-delta", text: delta.content });
  if (delta.tool_calls !== undefined && delta.tool_calls !== null) {
    if (!Array.isArray(delta.tool_calls)) throw malformed("tool_calls that are not an array");
    delta.tool_calls.forEach((call: unknown, position) => {
      parts.push(toolCallDelta(call, position, state, malformed));
    });
  }
  if (typeof choice.finish_reason === "string") state.finish = choice.finish_reason;
  return parts;
}

function toolCallDelta(call: unknown, position: number, state: StreamState, malformed: (problem: string) => Error): StreamPart {
  const fn = isRecord(call) && call.function !== undefined ? call.function : {};
  if (!isRecord(call) || !isRecord(fn) || !isText(call.id) || !isText(fn.name) || !isText(fn.arguments))
    throw malformed("a tool call delta of the wrong shape");
  // Some compatible servers leave out `index` when they send one call per chunk.
  const index = typeof call.index === "number" ? call.index : position;
  const pending = state.calls.get(index) ?? { id: "", name: "", args: "" };
  state.calls.set(index, pending);
  if (call.id) pending.id = call.id;
  if (fn.name) pending.name = fn.name;
  const piece = fn.arguments ?? "";
  pending.args += piece;
  return { type: "tool-call-delta", id: pending.id, name: pending.name, argsTextDelta: piece };
}

/** A string, or nothing. */
function isText(value: unknown): value is string | null | undefined {
  return value === null || value === undefined || typeof value === "string";
}
