import { GatewayAuthenticationError, GatewayModelNotFoundError, GatewayRateLimitError } from "@ai-sdk/gateway";
import {
  APICallError,
  InvalidPromptError,
  JSONParseError,
  LoadAPIKeyError,
  NoSuchModelError,
  TypeValidationError,
  UnsupportedFunctionalityError,
} from "@ai-sdk/provider";
import {
  type FailureSource,
  isModelErrorKind,
  type ModelError,
  maxProviderDelayMs,
  maxProviderText,
} from "@understudy/core/adapter";
import { findSecret } from "@understudy/testing/vitest";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyAiSdkError } from "./classify-ai-sdk-error.ts";

const secret = "sk-live-SECRET0123456789abcdefXYZ";
const source: FailureSource = { provider: "google", model: "gemini-test", secrets: [secret] };

const apiError = (
  statusCode: number | undefined,
  responseBody?: string,
  responseHeaders?: Record<string, string>,
  cause?: unknown,
) =>
  new APICallError({
    message: "provider said no",
    url: "https://example.test/v1/x",
    requestBodyValues: { prompt: "hi" },
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(responseBody === undefined ? {} : { responseBody }),
    ...(responseHeaders === undefined ? {} : { responseHeaders }),
    ...(cause === undefined ? {} : { cause }),
  });

const google = (code: number, status: string, message: string, details: unknown[] = []) =>
  JSON.stringify({ error: { code, message, status, details } });

describe("classifyAiSdkError: HTTP errors of providers the fault server does not speak", () => {
  it.each<[string, APICallError, Partial<ModelError>]>([
    [
      "Gemini 429 RESOURCE_EXHAUSTED (its quota prose is a rate limit), RetryInfo as the delay",
      apiError(
        429,
        google(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and billing details.", [
          { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "34s" },
        ]),
      ),
      { kind: "rate_limit", status: 429, retryAfterMs: 34_000, providerCode: "RESOURCE_EXHAUSTED" },
    ],
    [
      "Gemini 400 with a bad key (Google answers 400, not 401)",
      apiError(
        400,
        google(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
          { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" },
        ]),
      ),
      { kind: "auth", status: 400 },
    ],
    [
      "Gemini 400 over the context window",
      apiError(
        400,
        google(
          400,
          "INVALID_ARGUMENT",
          "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
        ),
      ),
      { kind: "context_length", status: 400 },
    ],
    ["Gemini 503 UNAVAILABLE", apiError(503, google(503, "UNAVAILABLE", "The model is overloaded.")), { kind: "overloaded" }],
    ["402 payment required", apiError(402, '{"message":"Payment required"}'), { kind: "quota", status: 402 }],
    ["408 request timeout", apiError(408, ""), { kind: "timeout", status: 408 }],
    [
      "Mistral 422 at the top level",
      apiError(422, '{"object":"error","message":"bad","type":"invalid_request_error"}'),
      { kind: "invalid_request" },
    ],
    ["an HTML 502", apiError(502, "<html>Bad gateway</html>"), { kind: "server", status: 502 }],
    [
      "a 429 with Retry-After in upper case from a hand-made model",
      apiError(429, "", { "Retry-After": "3" }),
      { kind: "rate_limit", retryAfterMs: 3_000 },
    ],
  ])("%s", (_name, error, expected) => {
    expect(classifyAiSdkError(error, source)).toMatchObject(expected);
  });

  it("an error event the SDK read before any output keeps no status of its own making, but is classified from its body", () => {
    const error = apiError(529, JSON.stringify({ type: "overloaded_error", message: "Overloaded" }), {
      "content-type": "text/event-stream; charset=utf-8",
      "x-ratelimit-reset-requests": "6m0s",
    });
    const failure = classifyAiSdkError(error, source);
    expect(failure).toMatchObject({ kind: "overloaded", status: undefined, retryAfterMs: undefined });
  });

  it("a 200 whose body broke off is a connection fault before content, a broken stream after", () => {
    const socket = Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });
    const error = apiError(
      200,
      undefined,
      { "content-type": "text/event-stream" },
      new TypeError("terminated", { cause: socket }),
    );
    expect(classifyAiSdkError(error, source)).toMatchObject({ kind: "connection" });
    expect(classifyAiSdkError(error, { ...source, midStream: true }, { inStream: true })).toMatchObject({
      kind: "stream_broken",
    });
  });

  it("a request that never got an answer names the errno; undici's own header timeout is a timeout", () => {
    const refused = apiError(
      undefined,
      undefined,
      undefined,
      Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443"), { code: "ECONNREFUSED" }),
    );
    expect(classifyAiSdkError(refused, source)).toMatchObject({
      kind: "connection",
      message: expect.stringMatching(/ECONNREFUSED/),
    });
    const slow = apiError(
      undefined,
      undefined,
      undefined,
      Object.assign(new Error("Headers Timeout Error"), { code: "UND_ERR_HEADERS_TIMEOUT" }),
    );
    expect(classifyAiSdkError(slow, source)).toMatchObject({ kind: "timeout" });
  });

  it("a 200 that is not JSON is a server fault quoting the body, redacted", () => {
    const error = apiError(
      200,
      `<html>maintenance ${secret}</html>`,
      undefined,
      new JSONParseError({ text: "<html>", cause: new SyntaxError("x") }),
    );
    const failure = classifyAiSdkError(error, source);
    expect(failure).toMatchObject({
      kind: "server",
      status: undefined,
      message: expect.stringMatching(/maintenance \[redacted\]/),
    });
  });
});

describe("classifyAiSdkError: the SDK's own errors", () => {
  it.each<[string, string, string, unknown]>([
    ["no API key", "auth", "auth", new LoadAPIKeyError({ message: "Google Generative AI API key is missing." })],
    [
      "a feature the provider lacks",
      "unsupported",
      "unsupported",
      new UnsupportedFunctionalityError({ functionality: "image URLs" }),
    ],
    [
      "a prompt the provider cannot send",
      "invalid_request",
      "invalid_request",
      new InvalidPromptError({ prompt: [], message: "bad" }),
    ],
    [
      "a model the provider does not know",
      "invalid_request",
      "invalid_request",
      new NoSuchModelError({ modelId: "x", modelType: "languageModel" }),
    ],
    ["a chunk that is not JSON", "server", "stream_broken", new JSONParseError({ text: "{", cause: new SyntaxError("x") })],
    ["a chunk of the wrong type", "server", "stream_broken", new TypeValidationError({ value: {}, cause: new Error("x") })],
    ["the caller's abort", "aborted", "aborted", new DOMException("This operation was aborted", "AbortError")],
    ["a fetch timeout of the model's own", "timeout", "timeout", new DOMException("The operation timed out", "TimeoutError")],
    [
      "a bug in the provider's mapping",
      "server",
      "stream_broken",
      new TypeError("Cannot read properties of undefined (reading 'x')"),
    ],
    ["a bare string in an error part", "server", "stream_broken", "boom"],
  ])("%s: %s in an answer, %s in a stream", (_name, answerKind, streamKind, error) => {
    expect(classifyAiSdkError(error, source).kind).toBe(answerKind);
    expect(classifyAiSdkError(error, { ...source, midStream: true }, { inStream: true }).kind).toBe(streamKind);
  });

  it("an error event as the SDK passes it on: the body's names first, the SDK's made-up status last", () => {
    const overloaded = { message: "The engine is currently overloaded", type: "server_error", code: null, statusCode: 500 };
    expect(classifyAiSdkError(overloaded, source, { inStream: true })).toMatchObject({ kind: "overloaded", status: undefined });
    const unknown = { message: "Something", statusCode: 429 };
    expect(classifyAiSdkError(unknown, source, { inStream: true })).toMatchObject({ kind: "rate_limit", status: undefined });
    expect(classifyAiSdkError({ message: "?" }, source, { inStream: true })).toMatchObject({ kind: "server" });
  });
});

/** A body a provider (or a proxy, or a broken server) might send. */
const bodies = fc.oneof(
  fc.string(),
  fc.json(),
  fc
    .record({
      message: fc.oneof(fc.string(), fc.constant(secret), fc.anything()),
      type: fc.oneof(fc.string(), fc.constantFrom("rate_limit_error", "overloaded_error", "insufficient_quota")),
      code: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      status: fc.string(),
      details: fc.anything(),
    })
    .map((error) => JSON.stringify({ error }, (_key, value) => (typeof value === "bigint" ? String(value) : value))),
);

const headers = fc.dictionary(
  fc.oneof(
    fc.string(),
    fc.constantFrom(
      "retry-after",
      "retry-after-ms",
      "x-ratelimit-reset-requests",
      "content-type",
      "anthropic-ratelimit-requests-reset",
    ),
  ),
  fc.string(),
);

const expectValid = (failure: ModelError) => {
  expect(isModelErrorKind(failure.kind)).toBe(true);
  if (failure.retryAfterMs !== undefined) {
    expect(Number.isInteger(failure.retryAfterMs)).toBe(true);
    expect(failure.retryAfterMs).toBeGreaterThanOrEqual(0);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(maxProviderDelayMs);
  }
  expect(failure.message.length).toBeLessThanOrEqual(maxProviderText + 1);
  expect(findSecret(secret, [failure], { minFragment: 8 })).toEqual([]);
};

describe("classifyAiSdkError: untrusted input (property-based)", () => {
  it("any status, body and headers give a valid, bounded, redacted failure, and never throw", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -1_000, max: 1_000 }), fc.constantFrom(Number.NaN, 1e308, -0, 429.5)),
        bodies,
        headers,
        (statusCode, body, responseHeaders) => {
          const failure = classifyAiSdkError(apiError(statusCode, body, responseHeaders), source);
          expectValid(failure);
          const httpError = Number.isInteger(statusCode) && (statusCode < 200 || statusCode >= 300);
          expect(failure.status).toBe(
            httpError && !/text\/event-stream/i.test(responseHeaders["content-type"] ?? "") ? statusCode : undefined,
          );
        },
      ),
    );
  });

  it("any value in a stream's error part gives a valid failure, and never throws", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true }),
          fc.constant([Object.create(null)]),
          fc.record({ message: fc.anything(), statusCode: fc.anything(), data: fc.anything() }),
        ),
        (value) => {
          expectValid(classifyAiSdkError(value, { ...source, midStream: true }, { inStream: true }));
        },
      ),
    );
  });

  it("an error whose message quotes a whole body (with the key in it) gives a bounded, redacted failure", () => {
    const quoted = fc
      .tuple(fc.string(), fc.string({ minLength: 0, maxLength: 10_000 }), fc.integer({ min: 0, max: 20_000 }))
      .map(([before, after, padding]) => `${before}${"x".repeat(padding)}${secret}${after}`);
    fc.assert(
      fc.property(quoted, fc.boolean(), (text, inStream) => {
        for (const error of [
          new JSONParseError({ text, cause: new SyntaxError("Unexpected end of JSON input") }),
          new TypeValidationError({ value: text, cause: new Error(text) }),
          new TypeError(text),
          new UnsupportedFunctionalityError({ functionality: text }),
          apiError(undefined, undefined, undefined, new Error(text)),
        ]) {
          expectValid(classifyAiSdkError(error, source, { inStream }));
        }
      }),
      { numRuns: 50 },
    );
  });

  it("a 429's delay is the soonest readable one, never a negative or unbounded wait", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.string()), fc.string(), (seconds, reset) => {
        const failure = classifyAiSdkError(
          apiError(429, "", { "retry-after": String(seconds), "x-ratelimit-reset-tokens": reset }),
          source,
        );
        expect(failure.kind).toBe("rate_limit");
        expectValid(failure);
      }),
    );
  });
});

describe("what providers beyond OpenAI and Anthropic really send", () => {
  it.each([
    [
      "Groq's 413 for a per-minute token limit",
      413,
      {
        error: {
          message: "Request too large for model: Limit 6000, Requested 9000 tokens per minute (TPM)",
          code: "rate_limit_exceeded",
        },
      },
      "rate_limit",
    ],
    [
      "xAI's prompt over the window",
      400,
      { error: "This model's maximum prompt length is 131072 but the request contains 150000 tokens." },
      "context_length",
    ],
    ["Bedrock's prompt over the window", 400, { message: "Input is too long for requested model." }, "context_length"],
    ["Bedrock's throttle", 400, { message: "Too many tokens, please wait before trying again." }, "rate_limit"],
    [
      "Gemini's region refusal",
      400,
      { error: { code: 400, message: "User location is not supported for the API use.", status: "FAILED_PRECONDITION" } },
      "auth",
    ],
  ])("%s", (_name, status, body, kind) => {
    expect(classifyAiSdkError(apiError(status, JSON.stringify(body)), source).kind).toBe(kind);
  });

  it("a gateway's errors keep their status, kind and Retry-After", () => {
    const limited = new GatewayRateLimitError({
      message: "rate limited",
      statusCode: 429,
      cause: apiError(429, '{"error":{"type":"rate_limit_exceeded"}}', { "retry-after": "7" }),
    });
    expect(classifyAiSdkError(limited, source)).toMatchObject({ kind: "rate_limit", status: 429, retryAfterMs: 7_000 });
    expect(classifyAiSdkError(new GatewayAuthenticationError({ message: "bad key", statusCode: 401 }), source)).toMatchObject({
      kind: "auth",
      status: 401,
    });
    expect(classifyAiSdkError(new GatewayModelNotFoundError({ message: "no such model", statusCode: 404 }), source).kind).toBe(
      "invalid_request",
    );
  });

  it("an abort the chain did not ask for (a custom fetch's own timer) is a timeout, which falls over", () => {
    const abort = new DOMException("This operation was aborted", "AbortError");
    expect(classifyAiSdkError(abort, source, { signal: new AbortController().signal }).kind).toBe("timeout");
    const chain = new AbortController();
    chain.abort();
    expect(classifyAiSdkError(abort, source, { signal: chain.signal }).kind).toBe("aborted");
  });
});
