import type { Finish } from "./google-finish.ts";
import { isRecord } from "./is-record.ts";

/** One part of a candidate's content, as this adapter reads it. */
export type GooglePiece =
  | {
      /** Text, or (with `thought`) a summary of the model's thinking. */
      readonly type: "text";
      readonly text: string;
      /** True for a thought part: reasoning, never answer text. */
      readonly thought: boolean;
      readonly signature: string | undefined;
    }
  | {
      /** A function call, whole: Gemini never splits one across chunks. */
      readonly type: "call";
      readonly name: string;
      /** Gemini's id, when it sent one. */
      readonly id: string | undefined;
      /** The arguments as JSON text (Gemini sends an object; a proxy may send text). */
      readonly argsText: string;
      readonly signature: string | undefined;
    }
  | {
      /** A part this adapter does not read (inline data, code execution, …): only its signature matters. */
      readonly type: "other";
      readonly signature: string | undefined;
    };

/** The first candidate of an answer or a chunk: its parts, and how it ended (if it did). */
export interface CandidateView {
  readonly pieces: readonly GooglePiece[];
  readonly finish: Finish;
}

/** Builds the error for a body or chunk of the wrong shape; `problem` says what is wrong. */
export type Malformed = (problem: string) => Error;

/**
 * Reads a candidate (`candidates[0]`), checking its shape: the body of a 200
 * and every chunk are untrusted. A field of the wrong type is `malformed`;
 * parts of kinds this adapter does not read are kept for their signatures.
 */
export function candidateOf(value: unknown, malformed: Malformed): CandidateView {
  if (!isRecord(value)) throw malformed("a candidate that is not an object");
  const said = optionalText(value.finishReason, "finishReason", malformed);
  // The enum's zero value says nothing of how the candidate ended: no finish at all.
  const reason = said === "FINISH_REASON_UNSPECIFIED" ? undefined : said;
  const message = optionalText(value.finishMessage, "finishMessage", malformed);
  const content = value.content;
  if (content !== undefined && content !== null && !isRecord(content))
    throw malformed("a candidate whose content is not an object");
  const parts = isRecord(content) ? content.parts : undefined;
  if (parts !== undefined && parts !== null && !Array.isArray(parts))
    throw malformed("a candidate whose content.parts is not an array");
  return {
    pieces: (parts ?? []).map((part: unknown, index: number) => pieceOf(part, index, malformed)),
    finish: { reason, message },
  };
}

function pieceOf(part: unknown, index: number, malformed: Malformed): GooglePiece {
  const problem = (what: string) => malformed(`a candidate whose parts[${index}] ${what}`);
  if (!isRecord(part)) throw problem("is not an object");
  const signature = part.thoughtSignature;
  if (signature !== undefined && signature !== null && typeof signature !== "string")
    throw problem("has a thoughtSignature that is not a string");
  const signed = typeof signature === "string" && signature !== "" ? signature : undefined;
  if (part.functionCall !== undefined && part.functionCall !== null) {
    const call = part.functionCall;
    if (!isRecord(call) || typeof call.name !== "string" || call.name === "") throw problem("is a functionCall without a name");
    if (call.id !== undefined && call.id !== null && typeof call.id !== "string")
      throw problem("is a functionCall whose id is not a string");
    const argsText = argsTextOf(call.args);
    if (argsText === undefined) throw problem("is a functionCall whose args are not an object");
    return {
      type: "call",
      name: call.name,
      id: typeof call.id === "string" && call.id !== "" ? call.id : undefined,
      argsText,
      signature: signed,
    };
  }
  if (part.text !== undefined && part.text !== null) {
    if (typeof part.text !== "string") throw problem("has a text that is not a string");
    return { type: "text", text: part.text, thought: part.thought === true, signature: signed };
  }
  return { type: "other", signature: signed };
}

/** The arguments as JSON text: an object serialised, text kept as written (a proxy's), nothing as `{}`; `undefined` for any other shape. */
function argsTextOf(args: unknown): string | undefined {
  if (args === undefined || args === null) return "{}";
  if (isRecord(args)) return JSON.stringify(args);
  if (typeof args === "string") return args;
  return undefined;
}

function optionalText(value: unknown, field: string, malformed: Malformed): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw malformed(`a candidate whose ${field} is not a string`);
  return value === "" ? undefined : value;
}

/** `promptFeedback.blockReason` and its message, when Gemini blocked the prompt. */
export function blockOf(feedback: unknown): { readonly reason: string; readonly message: string | undefined } | undefined {
  if (!isRecord(feedback)) return undefined;
  const reason = feedback.blockReason;
  if (typeof reason !== "string" || reason === "") return undefined;
  const message =
    typeof feedback.blockReasonMessage === "string" && feedback.blockReasonMessage !== ""
      ? feedback.blockReasonMessage
      : undefined;
  return { reason, message };
}

/** A body or chunk as the SDK gives it, without the headers it adds (`sdkHttpResponse`), for quoting. */
export function withoutHeaders(value: unknown): unknown {
  if (!isRecord(value) || !("sdkHttpResponse" in value)) return value;
  const { sdkHttpResponse: _headers, ...body } = value;
  return body;
}
