import type { ModelErrorKind } from "@understudy/core";
import type { FaultStep, ProviderFailure, RetryHint } from "@understudy/testing";
import fc from "fast-check";
import type { WireProvider } from "../harness/wire-models.ts";
import { answerText } from "./scripted-step.ts";

const failures: readonly ProviderFailure[] = [
  "rate_limit",
  "quota",
  "billing",
  "overloaded",
  "server",
  "bad_gateway",
  "gateway_timeout",
  "context_length",
  "content_policy",
  "auth",
  "forbidden",
  "not_found",
  "invalid_request",
  "unprocessable",
];

/** The kinds a provider failure may be classified as (the taxonomy of docs/failure-taxonomy.md). */
export const kindsOfFailure: Readonly<Record<ProviderFailure, readonly ModelErrorKind[]>> = {
  rate_limit: ["rate_limit"],
  quota: ["quota"],
  billing: ["quota"],
  overloaded: ["overloaded"],
  server: ["server"],
  bad_gateway: ["server"],
  gateway_timeout: ["server", "timeout"],
  context_length: ["context_length"],
  content_policy: ["content_filter"],
  auth: ["auth"],
  unauthenticated: ["auth"],
  forbidden: ["auth"],
  not_found: ["invalid_request"],
  invalid_request: ["invalid_request"],
  unprocessable: ["invalid_request"],
  prefill_rejected: ["unsupported", "invalid_request"],
};

/** What an error event without its HTTP status may fairly be read as, beyond the taxonomy's kinds. */
const statusOnly: Partial<Record<ProviderFailure, readonly ModelErrorKind[]>> = {
  auth: ["invalid_request"],
  unauthenticated: ["invalid_request"],
  forbidden: ["invalid_request"],
  bad_gateway: ["stream_broken"],
  gateway_timeout: ["stream_broken"],
  billing: ["invalid_request"],
};

/** Retry hints, sane (short: real time) and hostile (values no well-behaved provider sends). */
const retryHint: fc.Arbitrary<RetryHint> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ retryAfterMs: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ retryAfterSeconds: fc.constantFrom(0, 1, 30) }) },
  { weight: 1, arbitrary: fc.record({ retryAfterDateInMs: fc.constantFrom(-60_000, 100, 5_000) }) },
  { weight: 1, arbitrary: fc.record({ resetInMs: fc.constantFrom(50, 60_000) }) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom<Record<string, string>>(
        { "retry-after-ms": "1e12" },
        { "retry-after-ms": "-5" },
        { "retry-after-ms": "NaN" },
        { "retry-after": "-1" },
        { "retry-after": "Infinity" },
        { "retry-after": "1e400" },
        { "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT" },
        { "retry-after": "soon" },
        { "x-ratelimit-reset-requests": "99999h" },
        { "anthropic-ratelimit-requests-reset": "not a date" },
      )
      .map((headers) => ({ headers })),
  },
);

/** How a step repeats the client's API key (as some proxies do). */
const keyEcho = fc.oneof(
  fc.constant(true as const),
  fc.record({
    part: fc.constantFrom("full" as const, "middle" as const, "unprefixed" as const),
    in: fc.subarray(["message" as const, "code" as const, "request-id" as const, "response-id" as const], { minLength: 1 }),
  }),
);

/** Bodies a 200 may carry that are no answer. */
const junkBodies = [
  "null",
  "<html><body>502 Bad Gateway</body></html>",
  '{"error":{"message":"upstream overloaded","type":"overloaded_error"}}',
  '{"error":{"message":"slow down","type":"rate_limit_error","code":429}}',
  '{"choices":"none","content":7}',
  "",
  "[]",
  '{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":{"a":1}},"finish_reason":"stop"}]}',
  "data: {not json}\n\n",
];

/** Usage fields of the wrong size or type, in every provider's names (Gemini's `usageMetadata` too). */
const hostileUsage = fc.constantFrom<Record<string, unknown>>(
  { prompt_tokens: -5, completion_tokens: "7", total_tokens: 1e308 },
  { input_tokens: 1e308, output_tokens: null },
  { prompt_tokens: Number.MAX_SAFE_INTEGER, completion_tokens: 2.5, input_tokens: -1, output_tokens: "many" },
  { promptTokenCount: -5, candidatesTokenCount: "7", totalTokenCount: null, thoughtsTokenCount: 1e308 },
  { promptTokenCount: Number.MAX_SAFE_INTEGER, cachedContentTokenCount: 1e20, candidatesTokenCount: 2.5 },
);

const delays = fc.record(
  {
    delayMs: fc.integer({ min: 0, max: 200 }),
    firstTokenDelayMs: fc.integer({ min: 0, max: 200 }),
    tokenDelayMs: fc.integer({ min: 0, max: 40 }),
  },
  { requiredKeys: [] },
);

const afterTokens = fc.integer({ min: 0, max: 6 });

/** One thing the fault server does with one request: every fault of `FaultStep`, with an answer text to check success against. */
export const wireStep: fc.Arbitrary<FaultStep & { readonly text: string }> = fc.oneof(
  {
    weight: 5,
    // Gemini streams put the finish reason on the last content chunk, or (sometimes) in a chunk of its own.
    arbitrary: fc
      .tuple(answerText, delays, fc.boolean())
      .map(([text, d, separate]) => ({ text, ...d, ...(separate ? { separateFinishChunk: true } : {}) })),
  },
  {
    weight: 5,
    arbitrary: fc
      .record(
        { text: answerText, failure: fc.constantFrom(...failures), retry: retryHint, echoApiKey: keyEcho },
        { requiredKeys: ["text", "failure"] },
      )
      .map((step) => step),
  },
  { weight: 1, arbitrary: answerText.map((text) => ({ text, resetConnection: true })) },
  { weight: 1, arbitrary: answerText.map((text) => ({ text, hang: true })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(answerText, fc.integer({ min: 20, max: 600 }))
      .map(([text, delayMs]) => ({ text, delayMs, resetConnection: true })),
  },
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        answerText,
        afterTokens,
        fc.constantFrom("cutAfterTokens", "resetAfterTokens", "stallAfterTokens", "malformedAfterTokens"),
        delays,
      )
      .map(([text, n, fault, d]) => ({ text, [fault]: n, ...d })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(answerText, fc.boolean())
      .map(([text, separate]) => ({ text, omitDone: true, ...(separate ? { separateFinishChunk: true } : {}) })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        text: answerText,
        failure: fc.constantFrom(...failures),
        afterTokens,
        echoApiKey: fc.option(keyEcho, { nil: undefined }),
      })
      .map(({ text, failure, afterTokens: n, echoApiKey }) => ({
        text,
        streamFailure: { failure, afterTokens: n },
        ...(echoApiKey ? { echoApiKey } : {}),
      })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        answerText,
        fc.constantFrom(...junkBodies),
        fc.constantFrom("application/json", "text/html", "text/event-stream"),
        fc.option(keyEcho, { nil: undefined }),
      )
      .map(([text, body, contentType, echoApiKey]) => ({
        text,
        rawBody: { body, contentType },
        ...(echoApiKey ? { echoApiKey } : {}),
      })),
  },
  { weight: 2, arbitrary: fc.tuple(answerText, hostileUsage).map(([text, usage]) => ({ text, usage })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(answerText, keyEcho)
      .map(([text, echo]) => ({ text, echoApiKey: echo === true ? { in: ["response-id" as const] } : echo })),
  },
);

/** What the engine may make of a step: whether it is a complete answer, and the failure kinds it may be classified as. */
export interface StepJudgement {
  /** `true`: a complete answer; `false`: never an answer; `"maybe"`: either is right. */
  readonly completes: boolean | "maybe";
  /** Failure kinds that fit, besides `timeout` when `slow`. */
  readonly kinds: ReadonlySet<ModelErrorKind>;
  /** The step waits (delay, silence, stall): a timer may fire first. */
  readonly slow: boolean;
}

/** Judges `step` for a call by `method` (stream faults do not apply to a non-streamed call) to a model of `provider`. */
export function judgeStep(
  step: FaultStep & { readonly text: string },
  method: "generate" | "stream",
  provider?: WireProvider,
): StepJudgement {
  const judgement = judgeFaults(step, method);
  // A key echoed into the error's code replaces the code the classifier reads: a generic `server` is then fair.
  const codeLost = typeof step.echoApiKey === "object" && step.echoApiKey.in?.includes("code") === true;
  if (!codeLost || judgement.completes !== false) return judgement;
  // Gemini's code is its RPC status: without `FAILED_PRECONDITION`, billing's 400 alone says `invalid_request`.
  const statusAlone: ModelErrorKind[] = provider === "google" && step.failure === "billing" ? ["invalid_request"] : [];
  return { ...judgement, kinds: new Set([...judgement.kinds, "server", ...statusAlone]) };
}

function judgeFaults(step: FaultStep & { readonly text: string }, method: "generate" | "stream"): StepJudgement {
  const tokens = (step.text.match(/\S+\s*|\s+/g) ?? []).length;
  const slow = Boolean(
    step.hang || step.delayMs || step.firstTokenDelayMs || step.tokenDelayMs || step.stallAfterTokens !== undefined,
  );
  const fail = (kinds: readonly ModelErrorKind[]): StepJudgement => ({ completes: false, kinds: new Set(kinds), slow });
  if (step.hang) return fail(["timeout"]);
  if (step.resetConnection) return fail(["connection"]);
  if (step.rawBody) {
    // Classified from the body: anything but a dropped connection, never an answer.
    return fail(["server", "stream_broken", "overloaded", "rate_limit", "invalid_request"]);
  }
  if (step.failure) return fail(kindsOfFailure[step.failure]);
  if (method === "generate") return { completes: true, kinds: new Set(), slow };
  const before = (n: number | undefined) => n !== undefined && n < tokens;
  if (step.streamFailure && before(step.streamFailure.afterTokens)) {
    // An error event carries no status: what only the status said (403, 502, 504) cannot be told.
    const kinds = [...kindsOfFailure[step.streamFailure.failure], ...(statusOnly[step.streamFailure.failure] ?? [])];
    return fail(step.streamFailure.afterTokens === 0 ? kinds : [...kinds, "stream_broken"]);
  }
  if (before(step.cutAfterTokens) || before(step.malformedAfterTokens)) return fail(["stream_broken"]);
  // A reset discards what the client had not read yet: the tokens just before it may never arrive.
  if (before(step.resetAfterTokens)) return fail(["stream_broken", "connection"]);
  if (before(step.stallAfterTokens)) return fail(["timeout"]);
  if (step.omitDone) return { completes: "maybe", kinds: new Set(["stream_broken"]), slow };
  return { completes: true, kinds: new Set(), slow };
}
