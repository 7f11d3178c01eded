import { isRecord } from "./is-record.ts";

/**
 * What a Gemini error says of itself: its body is a `google.rpc.Status`
 * (`{ "error": { code, message, status, details } }`), whose `details` may
 * carry a `RetryInfo` (`retryDelay: "36s"`), a `QuotaFailure` (which quotas
 * ran out, `quotaId: "GenerateRequestsPerDayPerProjectPerModel-FreeTier"`)
 * and an `ErrorInfo` (`reason: "API_KEY_INVALID"`). See
 * https://ai.google.dev/gemini-api/docs/troubleshooting and
 * https://cloud.google.com/apis/design/errors.
 */
export interface GoogleStatus {
  /** `error.code`: the HTTP status the error stands for. */
  readonly code: number | undefined;
  /** `error.status`: the RPC status (`RESOURCE_EXHAUSTED`, `UNAVAILABLE`, `INVALID_ARGUMENT`, …). */
  readonly status: string | undefined;
  /** `error.message`. */
  readonly message: string | undefined;
  /** The `reason` of each `ErrorInfo` (`API_KEY_INVALID`). */
  readonly reasons: readonly string[];
  /** The `quotaId` and `quotaMetric` of each `QuotaFailure` violation. */
  readonly quotas: readonly string[];
  /** The `retryDelay` of a `RetryInfo`: a Duration as JSON writes it (`"36s"`, `"0.5s"`). */
  readonly retryDelay: string | undefined;
}

/** Texts longer than this are not parsed: an error body is small, and a huge one is no error body worth the time. */
const maxParsedText = 256 * 1024;

const empty: GoogleStatus = {
  code: undefined,
  status: undefined,
  message: undefined,
  reasons: [],
  quotas: [],
  retryDelay: undefined,
};

/**
 * The status an `ApiError` of `@google/genai` carries in its message: the
 * error body as JSON (after `got status: UNAVAILABLE. ` for an error chunk
 * inside a stream). An array of statuses (what `streamGenerateContent`
 * without SSE answers) gives its first. Anything unreadable gives an empty
 * status: the HTTP status alone then decides.
 */
export function googleStatusOf(text: string): GoogleStatus {
  if (text.length > maxParsedText) return empty;
  const start = text.search(/[[{]/);
  if (start < 0) return empty;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(start));
  } catch {
    return empty;
  }
  const root = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!isRecord(root)) return empty;
  const error = isRecord(root.error) ? root.error : root;
  const details = Array.isArray(error.details) ? error.details.filter(isRecord) : [];
  const violations = details.flatMap((detail) => (Array.isArray(detail.violations) ? detail.violations.filter(isRecord) : []));
  return {
    code: typeof error.code === "number" && Number.isInteger(error.code) ? error.code : undefined,
    status: nonEmpty(error.status),
    message: nonEmpty(error.message),
    reasons: details.flatMap((detail) => (nonEmpty(detail.reason) ? [detail.reason as string] : [])),
    quotas: violations.flatMap((violation) =>
      [nonEmpty(violation.quotaId), nonEmpty(violation.quotaMetric)].filter((q) => q !== undefined),
    ),
    retryDelay: details.map((detail) => nonEmpty(detail.retryDelay)).find((delay) => delay !== undefined),
  };
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
