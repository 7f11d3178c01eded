import {
  answerIds,
  type FailureSource,
  malformedChunk,
  type StreamPart,
  toolCallFromText,
  unfinishedStream,
} from "@understudy/core/adapter";
import { classifyGoogleError } from "./classify-google-error.ts";
import { blockOf, candidateOf, withoutHeaders } from "./google-candidate.ts";
import { blockedPrompt, type Finish, finishReasonOf } from "./google-finish.ts";
import { usageOf } from "./google-usage.ts";
import { isRecord } from "./is-record.ts";
import { requestIdOf } from "./request-id.ts";
import { type SignatureOrigin, signatureMetadata } from "./thought-signature.ts";
import { syntheticCallIds } from "./tool-call-ids.ts";

interface PendingCall {
  readonly id: string;
  readonly name: string;
  readonly argsText: string;
  readonly signature: string | undefined;
}

/** What a stream has gathered so far. */
interface StreamState {
  readonly calls: PendingCall[];
  finish: Finish | undefined;
  usage: unknown;
  responseId: unknown;
  responseModel: unknown;
  delivered: boolean;
  /** Whether answer text (not a thought) arrived: an answer with neither text nor calls is no answer. */
  answered: boolean;
  /** The request id header, read from the first chunk (the SDK gives a stream's headers with its chunks). */
  requestId: string | undefined;
  /** Makes up the ids of calls that came without one, fixed at the first such call (from the response id). */
  idOf: ((position: number) => string) | undefined;
}

/** The fields of a `GenerateContentResponse` chunk; a chunk with none of them is not one. */
const chunkFields = ["candidates", "usageMetadata", "promptFeedback", "responseId", "modelVersion"];

/**
 * Maps `generateContentStream` chunks to neutral parts. The stream is
 * complete only once a candidate says its `finishReason`; one that ends
 * before — cut, or stopped by an abort — is broken (or `aborted`), and so is
 * one whose chunks have the wrong shape. Usage is the latest chunk's (each
 * carries the running total). Thought parts are `reasoning-delta`s; a part's
 * thought signature travels in its delta's `providerMetadata.google`.
 * Function calls arrive whole: each is announced by a `tool-call-delta` with
 * all its arguments, and delivered as a `tool-call` at the end, once the
 * stream is known to be complete. A stream that finishes with neither text
 * nor calls is a `server` failure (see `finishReasonOf`). Signatures are
 * recorded with who issued them (`origin`).
 */
export async function* googleParts(
  chunks: AsyncIterable<unknown>,
  signal: AbortSignal,
  requestId: string | null | undefined,
  source: FailureSource,
  origin: SignatureOrigin,
): AsyncGenerator<StreamPart> {
  const state: StreamState = {
    calls: [],
    finish: undefined,
    usage: undefined,
    responseId: undefined,
    responseModel: undefined,
    delivered: false,
    answered: false,
    requestId: requestId ?? undefined,
    idOf: undefined,
  };
  try {
    for await (const chunk of chunks) {
      for (const part of partsOf(chunk, state, source, origin)) {
        state.delivered = true;
        yield part;
      }
    }
  } catch (error) {
    throw classifyGoogleError(error, { ...source, midStream: state.delivered }, signal, state.requestId);
  }
  if (state.finish === undefined) throw unfinishedStream(source, signal, "a finishReason");
  const finishReason = finishReasonOf(state.finish, { text: state.answered, toolCalls: state.calls.length > 0 }, source);
  const ids = answerIds(state, state.requestId, source);
  for (const call of state.calls) {
    const toolCall = toolCallFromText(call.id, call.name, call.argsText);
    const providerMetadata = signatureMetadata(call.signature, origin);
    yield { type: "tool-call", toolCall: providerMetadata ? { ...toolCall, providerMetadata } : toolCall };
  }
  yield { type: "finish", finishReason, usage: usageOf(state.usage), ...ids };
}

/** The parts one chunk carries, its other news kept in `state`; a chunk of the wrong shape breaks the stream. */
function partsOf(chunk: unknown, state: StreamState, source: FailureSource, origin: SignatureOrigin): StreamPart[] {
  state.requestId ??= requestIdOf(chunk);
  const body = withoutHeaders(chunk);
  const malformed = (problem: string) => malformedChunk(source, problem, body);
  if (!isRecord(body) || !chunkFields.some((field) => body[field] !== undefined && body[field] !== null))
    throw malformed("a chunk that is not a GenerateContentResponse");
  const block = blockOf(body.promptFeedback);
  if (block) throw blockedPrompt(block.reason, block.message, source);
  state.responseId ??= body.responseId;
  state.responseModel ??= body.modelVersion;
  if (isRecord(body.usageMetadata)) state.usage = body.usageMetadata;
  if (body.candidates === undefined || body.candidates === null) return [];
  if (!Array.isArray(body.candidates)) throw malformed("candidates that are not an array");
  if (body.candidates.length === 0) return [];
  const { pieces, finish } = candidateOf(body.candidates[0], malformed);
  if (finish.reason !== undefined) state.finish = finish;
  const parts: StreamPart[] = [];
  for (const piece of pieces) {
    const providerMetadata = signatureMetadata(piece.signature, origin);
    const facts = providerMetadata ? { providerMetadata } : {};
    if (piece.type === "text") {
      // An empty text delta carries nothing but its signature: sent only for that.
      if (piece.text === "" && !providerMetadata) continue;
      if (!piece.thought && piece.text !== "") state.answered = true;
      parts.push({ type: piece.thought ? "reasoning-delta" : "text-delta", text: piece.text, ...facts });
    } else if (piece.type === "call") {
      state.idOf ??= syntheticCallIds(answerIds({ responseId: state.responseId }, undefined, source).responseId);
      const id = piece.id ?? state.idOf(state.calls.length);
      state.calls.push({ id, name: piece.name, argsText: piece.argsText, signature: piece.signature });
      parts.push({ type: "tool-call-delta", id, name: piece.name, argsTextDelta: piece.argsText });
    } else if (providerMetadata) {
      // A part this adapter does not read, signed: its signature rides on an empty text delta.
      parts.push({ type: "text-delta", text: "", ...facts });
    }
  }
  return parts;
}
