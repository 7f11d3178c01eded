import type { ChatRequest } from "../spec/chat-request.ts";
import type { ChatResponse } from "../spec/chat-response.ts";

/**
 * A check a model's answer must pass before the caller gets it. An answer
 * that fails one is a `bad_answer` failure: by default the engine falls over
 * to the next model, as for an outage, and the attempt says which check
 * failed and why. Checks run on the engine's path, so keep them cheap and
 * synchronous: what an eval's judge does belongs in `@understudy/eval`.
 */
export interface AnswerCheck {
  /** A short name for the attempt record and the logs (`not-empty`, `json`, …). */
  readonly name: string;
  /**
   * Why the answer fails, or `undefined` (or `null`) when it passes. A check
   * that throws fails the answer with its message, rather than the request.
   */
  readonly check: (answer: ChatResponse, request: ChatRequest) => string | undefined;
}

/** A failed check: its name and why. */
export interface FailedAnswerCheck {
  /** The check's name. */
  readonly check: string;
  /** Why the answer failed it. */
  readonly reason: string;
}

/** Longest reason kept from a check: it goes into messages and logs. */
const maxReasonChars = 300;

/** The first of `checks` the answer fails, in order; undefined when it passes them all. */
export function firstFailedCheck(
  checks: readonly AnswerCheck[],
  answer: ChatResponse,
  request: ChatRequest,
): FailedAnswerCheck | undefined {
  for (const { name, check } of checks) {
    let reason: unknown;
    try {
      reason = check(answer, request);
    } catch (error) {
      reason = `the check threw: ${textOf(error instanceof Error ? error.message : error)}`;
    }
    // `undefined` (or `null`, as JavaScript callers often write) passes; any other value is why it fails.
    if (reason !== undefined && reason !== null) return { check: name, reason: textOf(reason).slice(0, maxReasonChars) };
  }
  return undefined;
}

/** A check's reason as text, whatever it returned or threw: an object without `toString` must not break the request. */
function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Validates a parsed value against a JSON Schema: why it does not match, or `undefined`. */
export type JsonSchemaValidator = (value: unknown, schema: Readonly<Record<string, unknown>>) => string | undefined;

/**
 * The cheap checks of an answer that came back with a 200 but is no answer:
 * each applies only where it can fail (the JSON check only when the request
 * asked for JSON, the tool check only when it forced a tool).
 *
 * @example
 * ```ts
 * const chat = createFallback({
 *   models: [
 *     { model: openai("gpt-4.1-mini"), answerChecks: answerChecks.all() },
 *     { model: anthropic("claude-haiku-4-5") },
 *   ],
 * });
 * ```
 */
export const answerChecks = {
  /** No text and no tool call. */
  notEmpty(): AnswerCheck {
    return {
      name: "not-empty",
      check: (answer) => (answer.text.trim() === "" && answer.toolCalls.length === 0 ? "the answer is empty" : undefined),
    };
  },
  /** Cut at the token limit (`finishReason: "length"`). */
  notTruncated(): AnswerCheck {
    return {
      name: "not-truncated",
      check: (answer) => (answer.finishReason === "length" ? "the answer was cut at the token limit" : undefined),
    };
  },
  /** Stopped by the provider's content filter with a 200 (`finishReason: "content-filter"`). */
  notFiltered(): AnswerCheck {
    return {
      name: "not-filtered",
      check: (answer) =>
        answer.finishReason === "content-filter" ? "the provider's content filter stopped the answer" : undefined,
    };
  },
  /**
   * When the request asked for JSON (`responseFormat: { type: "json" }`): the
   * text parses as JSON, and, with a `validate` function (Ajv, Zod, …) and a
   * schema in the request, matches it. An answer that calls a tool instead is
   * left alone: the tool check says whether that was wanted.
   */
  json(options: { readonly validate?: JsonSchemaValidator } = {}): AnswerCheck {
    return {
      name: "json",
      check: (answer, request) => {
        const format = request.responseFormat;
        if (format?.type !== "json" || answer.toolCalls.length > 0) return undefined;
        let value: unknown;
        try {
          value = JSON.parse(answer.text);
        } catch (error) {
          return `the answer is not JSON (${error instanceof Error ? error.message : String(error)})`;
        }
        return format.schema && options.validate ? options.validate(value, format.schema) : undefined;
      },
    };
  },
  /** When the request forced a tool (`toolChoice: "required"` or `{ type: "tool", name }`): a call of it. */
  requiredToolCall(): AnswerCheck {
    return {
      name: "required-tool-call",
      check: (answer, request) => {
        const choice = request.toolChoice;
        if (choice === "required" && answer.toolCalls.length === 0) return "the request required a tool call; none came";
        if (typeof choice === "object" && !answer.toolCalls.some((call) => call.name === choice.name)) {
          return `the request required a call of ${choice.name}; ${answer.toolCalls.length === 0 ? "none came" : "other tools were called"}`;
        }
        return undefined;
      },
    };
  },
  /** All of the above, JSON parsed but not validated against its schema (pass `json({ validate })` for that). */
  all(): AnswerCheck[] {
    return [
      answerChecks.notEmpty(),
      answerChecks.notTruncated(),
      answerChecks.notFiltered(),
      answerChecks.json(),
      answerChecks.requiredToolCall(),
    ];
  },
};
