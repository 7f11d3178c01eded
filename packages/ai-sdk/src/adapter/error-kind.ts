import type { ModelErrorKind } from "@understudy/core/adapter";
import type { ErrorBody } from "./error-body.ts";

const quotaNames = ["insufficient_quota", "billing_error", "billing_hard_limit_reached", "billing_not_active"];
const contentPolicyNames = ["content_filter", "content_policy_violation", "invalid_prompt"];
const rateLimitNames = ["rate_limit_exceeded", "rate_limit_error", "resource_exhausted", "too_many_requests"];
const authNames = [
  "authentication_error",
  "invalid_api_key",
  "permission_error",
  "unauthenticated",
  "permission_denied",
  "api_key_invalid",
];
const overloadedNames = ["overloaded_error", "overloaded", "unavailable", "service_unavailable"];
const invalidRequestNames = ["invalid_request_error", "not_found_error", "invalid_argument", "not_found"];

const quotaText = /credit balance is too low/i;
const contextText =
  /maximum context length|context (window|length)|too many (input )?tokens|prompt is too long|input is too long|maximum prompt length|input token count.*exceeds|exceeds the maximum number of tokens/i;
// Bedrock's throttle says "Too many tokens, please wait before trying again": a rate limit, not a long prompt.
const throttleText = /please wait before trying again|tokens per (minute|day)|requests per (minute|day)|rate limit/i;
const contentText = /content (management )?policy|flagged as potentially violating|content filtering|usage polic(y|ies)/i;
const prefillText = /does not support assistant message prefill/i;
const badKeyText = /api key not valid|incorrect api key|invalid api key/i;
const overloadedText = /overloaded|capacity/i;

/** Where an error's status came from. */
export interface ErrorStatus {
  /** The HTTP status of the response; none for an error inside a stream or under a 200. */
  readonly status?: number | undefined;
  /**
   * A status the SDK made up for an error event inside a stream (`529` for
   * Anthropic's `overloaded_error`, `500` when it knew nothing better):
   * weighed only after the error's own names.
   */
  readonly hint?: number | undefined;
}

/**
 * The kind of a provider's error, from its HTTP status and its body, the way
 * the OpenAI and Anthropic adapters read theirs (one reading for every
 * provider the AI SDK reaches, Google's names included). A quota is told
 * from a rate limit by the body's code, never by its prose: Gemini's
 * per-minute limit says "You exceeded your current quota" too.
 */
export function errorKindOf(body: ErrorBody, { status, hint }: ErrorStatus): ModelErrorKind {
  const has = (names: readonly string[]) => body.names.some((name) => names.includes(name));
  const message = body.message ?? "";
  if (has(quotaNames) || body.spendLimit || status === 402 || quotaText.test(message)) return "quota";
  if (status === 429) return "rate_limit";
  if (status === 401 || status === 403) return "auth";
  if (status === 408) return "timeout";
  if (status === 503 || status === 529) return "overloaded";
  if (status !== undefined && status >= 500 && status < 600) return has(["overloaded_error"]) ? "overloaded" : "server";
  // A limit by a 4xx other than 429 (Groq's 413 "Request too large … tokens per minute") is still a limit.
  if (has(rateLimitNames) || throttleText.test(message)) return "rate_limit";
  if (has(["context_length_exceeded"]) || contextText.test(message)) return "context_length";
  if (has(contentPolicyNames) || contentText.test(message)) return "content_filter";
  if (prefillText.test(message)) return "unsupported";
  if (body.reasons.includes("api_key_invalid") || badKeyText.test(message)) return "auth";
  // Google's FAILED_PRECONDITION: the account cannot use this model ("User location is not supported",
  // "enable billing"): a setup problem to alert on, as a bad key is, while another model answers.
  if (has(["failed_precondition"])) return /billing/i.test(message) ? "quota" : "auth";
  if (status !== undefined && status >= 400 && status < 500) return "invalid_request";
  // No status to go by (an error event in a stream, an error under a 200): the error's own names.
  if (has(authNames)) return "auth";
  if (has(overloadedNames) || overloadedText.test(message)) return "overloaded";
  if (has(invalidRequestNames)) return "invalid_request";
  const standIn = hint ?? body.numericCode;
  if (status === undefined && standIn !== undefined && standIn >= 400 && standIn < 600)
    return errorKindOf(body, { status: standIn });
  return "server";
}
