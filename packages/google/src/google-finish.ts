import {
  type FailureSource,
  type FinishReason,
  ModelError,
  type ModelErrorKind,
  redactModelError,
} from "@understudy/core/adapter";

/**
 * Finish reasons that mean a filter withheld or cut the answer: the safety
 * family, a blocklist, personal data, recitation (copyright), an unsupported
 * language, Model Armor, an escalation rule. Compared as strings: the SDK's
 * enum grows with every release, and a proxy may send any string.
 */
const filtered = new Set([
  "SAFETY",
  "PROHIBITED_CONTENT",
  "RECITATION",
  "BLOCKLIST",
  "SPII",
  "LANGUAGE",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "IMAGE_RECITATION",
  "MODEL_ARMOR",
  "ESCALATION",
]);

/**
 * Finish reasons that are the model's own failure, not an answer: a function
 * call that does not parse, one to a tool that was not declared, a response
 * Gemini calls malformed. A `server` failure, as a 200 whose body is no
 * answer is: the call counts against the model and the next one may succeed.
 */
const modelFailures = new Set(["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "MALFORMED_RESPONSE"]);

/** What a finish reason besides the ones above says, when it is a failure. */
const otherFailures: ReadonlyMap<string, { kind: ModelErrorKind; says: string }> = new Map([
  // The request lost a thought signature: the request's own fault, never the model's health.
  ["MISSING_THOUGHT_SIGNATURE", { kind: "invalid_request", says: "the request lost a thought signature" }],
  // The account is limited for Prohibited Use Policy violations: this key will not do, fall over loudly.
  ["PUP_LIMITED_DISABLED", { kind: "auth", says: "the account is limited or disabled by Google's Prohibited Use Policy" }],
]);

/** What a candidate says of how it ended: its reason, and the message Gemini may add to it. */
export interface Finish {
  /** `finishReason`, when there is one. */
  readonly reason: string | undefined;
  /** `finishMessage`, when there is one. */
  readonly message: string | undefined;
}

/** What an answer holds besides its finish: answer text (thoughts are not), function calls. */
export interface AnswerContent {
  /** True when the answer has text that is not a thought. */
  readonly text: boolean;
  /** True when the answer has function calls. */
  readonly toolCalls: boolean;
}

/**
 * The neutral finish reason of a Gemini candidate, or a thrown `ModelError`
 * when the reason says there is no answer: a filter withheld it
 * (`content_filter`, the reason as its code), the model failed to write it
 * (`server`), or something else ended it ({@link otherFailures}). `STOP`
 * with function calls is `tool-calls` (Gemini says STOP either way);
 * `MAX_TOKENS` is `length`. `CONTINUATION` (the answer stopped at a
 * checkpoint, to be resumed by a request this adapter never makes: the SDK's
 * automatic continuation is off) is `stream_broken`: the answer was cut. Any
 * other finish (`STOP`, `OTHER`, a reason this adapter does not know) with
 * neither text nor calls is a `server` failure: the model answered nothing
 * (Gemini 2.5 is known to), and the chain should fall over, not return "".
 */
export function finishReasonOf(finish: Finish, content: AnswerContent, source: FailureSource): FinishReason {
  const { reason } = finish;
  if (reason === "MAX_TOKENS") return "length";
  if (reason !== undefined && filtered.has(reason))
    throw finishFailure("content_filter", `the provider withheld the answer (finishReason ${reason})`, finish, source);
  if (reason !== undefined && modelFailures.has(reason))
    throw finishFailure("server", `the model failed to write its answer (finishReason ${reason})`, finish, source);
  const other = reason === undefined ? undefined : otherFailures.get(reason);
  if (other) throw finishFailure(other.kind, `${other.says} (finishReason ${reason})`, finish, source);
  if (reason === "CONTINUATION")
    throw finishFailure(
      "stream_broken",
      "the answer stopped at a continuation checkpoint, incomplete (finishReason CONTINUATION)",
      finish,
      source,
    );
  if (!content.text && !content.toolCalls)
    throw finishFailure(
      "server",
      `the model answered nothing: no text, no function call (finishReason ${reason ?? "none"})`,
      finish,
      source,
    );
  if (content.toolCalls) return "tool-calls";
  return reason === "STOP" ? "stop" : "other";
}

/**
 * A prompt Gemini refused to answer (`promptFeedback.blockReason`, and no
 * candidates): a `content_filter` failure with the reason as its code.
 */
export function blockedPrompt(reason: string, message: string | undefined, source: FailureSource): ModelError {
  return finishFailure("content_filter", `the provider blocked the prompt (blockReason ${reason})`, { reason, message }, source);
}

function finishFailure(kind: ModelErrorKind, text: string, finish: Finish, source: FailureSource): ModelError {
  const error = new ModelError({
    kind,
    provider: source.provider,
    model: source.model,
    message: finish.message ? `${text}: ${finish.message}` : text,
    ...(finish.reason ? { providerCode: finish.reason } : {}),
    ...(finish.message ? { providerMessage: finish.message } : {}),
  });
  return redactModelError(error, source.secrets);
}
