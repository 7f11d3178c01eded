import { isRecord } from "./is-record.ts";

/**
 * What a provider's error says of itself, read from the shapes the AI SDK's
 * providers meet: OpenAI and compatible servers (`{ error: { message, type,
 * code } }`), Anthropic (`{ type: "error", error: { type, message } }`),
 * Google (`{ error: { code, message, status, details } }`), Mistral and
 * Cohere (`{ message, type, code }` at the top), a bare error object as a
 * stream's error event carries it, and the SDK's own provider stream errors.
 */
export interface ErrorBody {
  /** True when the value looks like an error at all (it has a message, a type or a code). */
  readonly isError: boolean;
  /**
   * True when it says so itself: an `error` field, or an error type or code.
   * A bare `{ "message": … }` under a 200 is an unusable answer, not an error.
   */
  readonly saysError: boolean;
  /** The provider's message. */
  readonly message: string | undefined;
  /** The error's names, lower case: its type, its code, Google's status (`resource_exhausted`). */
  readonly names: readonly string[];
  /** The provider's code for the failure, as it wrote it (code, else type, else Google's status). */
  readonly code: string | undefined;
  /** A numeric code in the body (`{ "code": 429 }`): some servers put the status there. */
  readonly numericCode: number | undefined;
  /** Anthropic's spend limit (`details.error_code`): a quota, whatever the status. */
  readonly spendLimit: boolean;
  /** Google's `RetryInfo.retryDelay` (`"34s"`). */
  readonly retryDelay: string | undefined;
  /** Google's `ErrorInfo.reason` values, lower case (`api_key_invalid`). */
  readonly reasons: readonly string[];
}

/** Bodies longer than this are not parsed: an error is small, and a huge one is no error body worth the time. */
const maxParsedBody = 256 * 1024;

/** The fields of an error body, given as text (an HTTP body) or as a value already parsed. */
export function errorBodyOf(body: unknown): ErrorBody {
  const root = typeof body === "string" ? parsed(body) : body;
  const fields = isRecord(root) ? root : {};
  const inner = isRecord(fields.error) ? fields.error : fields;
  const message = text(inner.message) ?? text(fields.error) ?? text(fields.message) ?? text(fields.detail);
  const type = text(inner.type) === "error" ? undefined : text(inner.type);
  const code = typeof inner.code === "string" && inner.code !== "" ? inner.code : undefined;
  const status = text(inner.status);
  const details = Array.isArray(inner.details) ? inner.details.filter(isRecord) : isRecord(inner.details) ? [inner.details] : [];
  const names = [type, code, status].flatMap((name) => (name ? [name.toLowerCase()] : []));
  return {
    isError: message !== undefined || names.length > 0,
    saysError: fields.error !== undefined || names.length > 0,
    message,
    names,
    code: code ?? type ?? status,
    numericCode: typeof inner.code === "number" && Number.isInteger(inner.code) ? inner.code : undefined,
    spendLimit: details.some((detail) => detail.error_code === "enforced_spend_limit_reached"),
    retryDelay: details.map((detail) => text(detail.retryDelay)).find((delay) => delay !== undefined),
    reasons: details.flatMap((detail) => (typeof detail.reason === "string" ? [detail.reason.toLowerCase()] : [])),
  };
}

function parsed(body: string): unknown {
  const trimmed = body.trim();
  if (trimmed.length > maxParsedBody || !trimmed.startsWith("{")) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
