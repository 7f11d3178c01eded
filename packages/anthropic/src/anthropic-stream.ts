import {
  answerIds,
  type FailureSource,
  malformedChunk,
  type StreamPart,
  toolCallFromText,
  unfinishedStream,
} from "@understudy/core/adapter";
import { classifyAnthropicError } from "./classify-anthropic-error.ts";
import { finishReasonOf, isRecord, refusalError, usageOf } from "./from-anthropic-response.ts";

/** What a stream has gathered so far. */
interface StreamState {
  readonly toolBlocks: Map<unknown, { id: string; name: string; args: string }>;
  usage: Record<string, unknown>;
  stopReason: string | null | undefined;
  responseId: unknown;
  responseModel: unknown;
  delivered: boolean;
  stopped: boolean;
}

/**
 * Maps Messages stream events to neutral parts. Only `message_stop` completes
 * a stream: one that ends before it — cut, or ended silently by an abort — is
 * broken, and so is one whose events have the wrong shape. A tool call is
 * delivered whole at its `content_block_stop`.
 */
export async function* anthropicParts(
  events: AsyncIterable<unknown>,
  signal: AbortSignal,
  requestId: string | null | undefined,
  source: FailureSource,
): AsyncGenerator<StreamPart> {
  const state: StreamState = {
    toolBlocks: new Map(),
    usage: {},
    stopReason: undefined,
    responseId: undefined,
    responseModel: undefined,
    delivered: false,
    stopped: false,
  };
  try {
    for await (const event of events) {
      yield* partsOf(event, state, source);
    }
  } catch (error) {
    throw classifyAnthropicError(error, { ...source, midStream: state.delivered });
  }
  if (!state.stopped) {
    throw unfinishedStream(source, signal, "message_stop");
  }
  if (state.stopReason === "refusal") throw refusalError(source);
  yield {
    type: "finish",
    finishReason: finishReasonOf(state.stopReason),
    usage: usageOf(state.usage),
    ...answerIds(state, requestId, source),
  };
}

/** The parts one event carries, its other news kept in `state`; an event of the wrong shape breaks the stream. */
function partsOf(event: unknown, state: StreamState, source: FailureSource): StreamPart[] {
  const malformed = (problem: string) => malformedChunk(source, problem, event);
  if (!isRecord(event)) throw malformed("an event that is not an object");
  switch (event.type) {
    case "message_start": {
      if (!isRecord(event.message)) throw malformed("a message_start without a message");
      state.responseId = event.message.id;
      state.responseModel = event.message.model;
      state.usage = isRecord(event.message.usage) ? { ...event.message.usage } : {};
      return [];
    }
    case "content_block_start":
      return blockStart(event, state, malformed);
    case "content_block_delta":
      state.delivered = true;
      return blockDelta(event, state, malformed);
    case "content_block_stop": {
      const block = state.toolBlocks.get(event.index);
      return block ? [{ type: "tool-call", toolCall: toolCallFromText(block.id, block.name, block.args) }] : [];
    }
    case "message_delta": {
      const reason = isRecord(event.delta) ? event.delta.stop_reason : undefined;
      if (reason !== null && reason !== undefined && typeof reason !== "string")
        throw malformed("a stop_reason that is not a string");
      state.stopReason = reason;
      if (isRecord(event.usage)) state.usage = { ...state.usage, ...withoutNulls(event.usage) };
      return [];
    }
    case "message_stop":
      state.stopped = true;
      return [];
    default:
      return [];
  }
}

function blockStart(event: Record<string, unknown>, state: StreamState, malformed: (problem: string) => Error): StreamPart[] {
  const block = event.content_block;
  if (!isRecord(block)) throw malformed("a content_block_start without a content block");
  if (block.type !== "tool_use") return [];
  if (typeof block.id !== "string" || typeof block.name !== "string")
    throw malformed("a tool_use block without a string id and name");
  const pending = { id: block.id, name: block.name, args: "" };
  state.toolBlocks.set(event.index, pending);
  state.delivered = true;
  return [{ type: "tool-call-delta", id: pending.id, name: pending.name, argsTextDelta: "" }];
}

function blockDelta(event: Record<string, unknown>, state: StreamState, malformed: (problem: string) => Error): StreamPart[] {
  const delta = event.delta;
  if (!isRecord(delta)) throw malformed("a content_block_delta without a delta");
  const field = deltaFields.get(delta.type);
  if (!field) return [];
  const value = delta[field];
  if (typeof value !== "string") throw malformed(`a ${String(delta.type)} whose ${field} is not a string`);
  if (delta.type === "text_delta") return [{ type: "text-delta", text: value }];
  if (delta.type === "thinking_delta") return [{ type: "reasoning-delta", text: value }];
  const block = state.toolBlocks.get(event.index);
  if (!block) return [];
  block.args += value;
  return [{ type: "tool-call-delta", id: block.id, name: block.name, argsTextDelta: value }];
}

/** The text field of each delta type this adapter reads. */
const deltaFields: ReadonlyMap<unknown, string> = new Map([
  ["text_delta", "text"],
  ["thinking_delta", "thinking"],
  ["input_json_delta", "partial_json"],
]);

/** message_delta's usage repeats some counts as null; keep the ones it does state. */
function withoutNulls(usage: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(usage).filter(([, value]) => value !== null && value !== undefined));
}
