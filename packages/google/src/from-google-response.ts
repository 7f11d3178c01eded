import {
  answerIds,
  type ChatResponse,
  type FailureSource,
  malformedAnswer,
  type ToolCall,
  toolCallFromText,
} from "@understudy/core/adapter";
import { blockOf, candidateOf, withoutHeaders } from "./google-candidate.ts";
import { blockedPrompt, finishReasonOf } from "./google-finish.ts";
import { usageOf } from "./google-usage.ts";
import { isRecord } from "./is-record.ts";
import { type SignatureOrigin, signatureMetadata } from "./thought-signature.ts";
import { syntheticCallIds } from "./tool-call-ids.ts";

/**
 * Translates a complete `generateContent` answer (the SDK's
 * `GenerateContentResponse`), checking its shape first: the body of a 200 is
 * untrusted. A blocked prompt is a `content_filter` failure; a body without
 * candidates, a candidate without a finish reason, or a field of the wrong
 * type, a `server` failure quoting it.
 * Thought parts are never answer text; an answer with neither text nor
 * calls is a `server` failure (see `finishReasonOf`). Each function call
 * keeps its thought signature in `providerMetadata.google`, and the text the
 * last signature of its parts, each with who issued it (`origin`); calls
 * without an id get a made-up one (see `syntheticCallIds`).
 */
export function fromGoogleResponse(
  data: unknown,
  requestId: string | null | undefined,
  source: FailureSource,
  origin: SignatureOrigin,
): ChatResponse {
  const body = withoutHeaders(data);
  const malformed = (problem: string) => malformedAnswer(source, problem, body, requestId);
  if (!isRecord(body)) throw malformed("a body that is not a GenerateContentResponse");
  const block = blockOf(body.promptFeedback);
  if (block) throw blockedPrompt(block.reason, block.message, source);
  if (!Array.isArray(body.candidates) || body.candidates.length === 0)
    throw malformed("a GenerateContentResponse without candidates");
  const { pieces, finish } = candidateOf(body.candidates[0], malformed);
  // A complete answer says how it ended (STOP, MAX_TOKENS, …); the SDK also turns a candidate that is not an object into {}.
  if (finish.reason === undefined) throw malformed("a candidate without a finishReason");
  const ids = answerIds({ responseId: body.responseId, responseModel: body.modelVersion }, requestId, source);
  const idOf = syntheticCallIds(ids.responseId);
  let text = "";
  let textSignature: string | undefined;
  const toolCalls: ToolCall[] = [];
  for (const piece of pieces) {
    if (piece.type === "call") {
      const call = toolCallFromText(piece.id ?? idOf(toolCalls.length), piece.name, piece.argsText);
      const providerMetadata = signatureMetadata(piece.signature, origin);
      toolCalls.push(providerMetadata ? { ...call, providerMetadata } : call);
      continue;
    }
    if (piece.type === "text" && !piece.thought) text += piece.text;
    textSignature = piece.signature ?? textSignature;
  }
  const providerMetadata = signatureMetadata(textSignature, origin);
  return {
    text,
    toolCalls,
    finishReason: finishReasonOf(finish, { text: text !== "", toolCalls: toolCalls.length > 0 }, source),
    usage: usageOf(body.usageMetadata),
    ...ids,
    ...(providerMetadata ? { providerMetadata } : {}),
  };
}
