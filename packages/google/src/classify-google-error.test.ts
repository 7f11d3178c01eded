import { ApiError } from "@google/genai";
import { type FailureSource, isModelErrorKind, maxProviderDelayMs } from "@understudy/core/adapter";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyGoogleError } from "./classify-google-error.ts";
import { parseGoogleDuration } from "./google-duration.ts";

const key = "AIzaSyA-SENTINEL-0123456789abcdefghijkl";
const source: FailureSource = { provider: "google", model: "gemini-test", secrets: [key] };

/** A google.rpc.Status error body, as Gemini sends it. */
const status = (code: number, rpc: string, message: string, details: unknown[] = []) => ({
  error: { code, message, status: rpc, ...(details.length > 0 ? { details } : {}) },
});
/** An HTTP error as the SDK throws it: the body as JSON in the message. */
const httpError = (code: number, body: unknown) => new ApiError({ status: code, message: JSON.stringify(body) });
/** An error chunk inside a stream as the SDK throws it. */
const chunkError = (body: { error: { code: number; status: string } }) =>
  new ApiError({ status: body.error.code, message: `got status: ${body.error.status}. ${JSON.stringify(body)}` });

const quotaFailure = (quotaId: string) => ({
  "@type": "type.googleapis.com/google.rpc.QuotaFailure",
  violations: [{ quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests", quotaId }],
});
const retryInfo = (retryDelay: string) => ({ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay });
const exceeded = "You exceeded your current quota, please check your plan and billing details.";

describe("classifyGoogleError: HTTP errors, from the status and the google.rpc.Status", () => {
  it.each<[string, ApiError, string, string | undefined]>([
    [
      "429 per-minute quota",
      httpError(
        429,
        status(429, "RESOURCE_EXHAUSTED", exceeded, [quotaFailure("GenerateRequestsPerMinutePerProjectPerModel-FreeTier")]),
      ),
      "rate_limit",
      "RESOURCE_EXHAUSTED",
    ],
    [
      "429 per-day quota",
      httpError(
        429,
        status(429, "RESOURCE_EXHAUSTED", exceeded, [quotaFailure("GenerateRequestsPerDayPerProjectPerModel-FreeTier")]),
      ),
      "quota",
      "RESOURCE_EXHAUSTED",
    ],
    [
      "429 with per-day and per-minute quotas both spent",
      httpError(
        429,
        status(429, "RESOURCE_EXHAUSTED", exceeded, [
          quotaFailure("GenerateRequestsPerMinutePerProjectPerModel-FreeTier"),
          quotaFailure("GenerateRequestsPerDayPerProjectPerModel-FreeTier"),
        ]),
      ),
      "quota",
      "RESOURCE_EXHAUSTED",
    ],
    [
      "429 without details (Vertex AI)",
      httpError(429, status(429, "RESOURCE_EXHAUSTED", "Resource exhausted.")),
      "rate_limit",
      "RESOURCE_EXHAUSTED",
    ],
    [
      "503 UNAVAILABLE",
      httpError(503, status(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")),
      "overloaded",
      "UNAVAILABLE",
    ],
    // A mid-stream error chunk for a 502 may say UNAVAILABLE: the code, more specific, decides.
    [
      "502 UNAVAILABLE (a bad gateway, not an overloaded model)",
      httpError(502, status(502, "UNAVAILABLE", "Bad Gateway")),
      "server",
      "UNAVAILABLE",
    ],
    ["500 INTERNAL", httpError(500, status(500, "INTERNAL", "An internal error has occurred.")), "server", "INTERNAL"],
    [
      "504 DEADLINE_EXCEEDED (server, as the other adapters read a 504)",
      httpError(504, status(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.")),
      "server",
      "DEADLINE_EXCEEDED",
    ],
    [
      "400 API key not valid (ErrorInfo API_KEY_INVALID)",
      httpError(
        400,
        status(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
          { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" },
        ]),
      ),
      "auth",
      "API_KEY_INVALID",
    ],
    [
      "400 input token count over the limit",
      httpError(
        400,
        status(
          400,
          "INVALID_ARGUMENT",
          "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).",
        ),
      ),
      "context_length",
      "INVALID_ARGUMENT",
    ],
    [
      "400 INVALID_ARGUMENT",
      httpError(400, status(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")),
      "invalid_request",
      "INVALID_ARGUMENT",
    ],
    [
      "400 a lost thought signature (the request's fault)",
      httpError(400, status(400, "INVALID_ARGUMENT", "Function call is missing a thought_signature in functionCall parts.")),
      "invalid_request",
      "INVALID_ARGUMENT",
    ],
    [
      "400 FAILED_PRECONDITION: no free tier here, billing needed",
      httpError(
        400,
        status(
          400,
          "FAILED_PRECONDITION",
          "Gemini API free tier is not available in your country. Please enable billing on your project.",
        ),
      ),
      "quota",
      "FAILED_PRECONDITION",
    ],
    [
      "400 FAILED_PRECONDITION: user location not supported",
      httpError(400, status(400, "FAILED_PRECONDITION", "User location is not supported for the API use.")),
      "auth",
      "FAILED_PRECONDITION",
    ],
    [
      "401 UNAUTHENTICATED",
      httpError(401, status(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")),
      "auth",
      "UNAUTHENTICATED",
    ],
    [
      "403 PERMISSION_DENIED",
      httpError(403, status(403, "PERMISSION_DENIED", "The caller does not have permission")),
      "auth",
      "PERMISSION_DENIED",
    ],
    [
      "404 model not found",
      httpError(
        404,
        status(404, "NOT_FOUND", "models/gemini-9 is not found for API version v1, or is not supported for generateContent."),
      ),
      "invalid_request",
      "NOT_FOUND",
    ],
    [
      "502 with an HTML page (the SDK wraps it)",
      httpError(502, { error: { message: "<html><title>Error 502</title></html>", code: 502, status: "Bad Gateway" } }),
      "server",
      "Bad Gateway",
    ],
    ["408", httpError(408, status(408, "DEADLINE_EXCEEDED", "timeout")), "timeout", "DEADLINE_EXCEEDED"],
    ["a body that is not JSON at all", new ApiError({ status: 503, message: "upstream connect error" }), "overloaded", undefined],
    ["a body that is an array of statuses", httpError(503, [status(503, "UNAVAILABLE", "busy")]), "overloaded", "UNAVAILABLE"],
  ])("%s", (_name, error, kind, code) => {
    const failure = classifyGoogleError(error, source);
    expect(failure).toMatchObject({ kind, status: error.status, provider: "google", model: "gemini-test" });
    expect(failure.providerCode).toBe(code);
    expect(failure.message).not.toContain("[object Object]");
  });

  it("takes the delay from RetryInfo, on any status, and from the message only when RetryInfo is missing", () => {
    const withInfo = httpError(429, status(429, "RESOURCE_EXHAUSTED", `${exceeded} Please retry in 9.5s.`, [retryInfo("36s")]));
    expect(classifyGoogleError(withInfo, source).retryAfterMs).toBe(36_000);
    const fraction = httpError(503, status(503, "UNAVAILABLE", "busy", [retryInfo("0.5s")]));
    expect(classifyGoogleError(fraction, source).retryAfterMs).toBe(500);
    const prose = httpError(429, status(429, "RESOURCE_EXHAUSTED", `${exceeded}\nPlease retry in 10.689924287s.`));
    expect(classifyGoogleError(prose, source).retryAfterMs).toBe(10_690);
    const nothing = httpError(429, status(429, "RESOURCE_EXHAUSTED", exceeded));
    expect(classifyGoogleError(nothing, source).retryAfterMs).toBeUndefined();
    const unreadable = httpError(429, status(429, "RESOURCE_EXHAUSTED", `${exceeded} Please retry in 9s.`, [retryInfo("-5s")]));
    expect(classifyGoogleError(unreadable, source).retryAfterMs).toBeUndefined();
    const huge = httpError(429, status(429, "RESOURCE_EXHAUSTED", exceeded, [retryInfo("99999999999s")]));
    expect(classifyGoogleError(huge, source).retryAfterMs).toBe(maxProviderDelayMs);
  });

  it("an error chunk inside a stream classifies from its body, and is reported without a status", () => {
    const failure = classifyGoogleError(chunkError(status(503, "UNAVAILABLE", "The model is overloaded.")), source);
    expect(failure).toMatchObject({ kind: "overloaded", status: undefined, providerCode: "UNAVAILABLE" });
    expect(failure.message).toMatch(/^stream UNAVAILABLE: The model is overloaded\.$/);
    const quota = chunkError(
      status(429, "RESOURCE_EXHAUSTED", exceeded, [quotaFailure("GenerateRequestsPerDayPerProjectPerModel")]),
    );
    expect(classifyGoogleError(quota, source)).toMatchObject({ kind: "quota", status: undefined });
  });

  it("redacts the key the adapter holds and any Google-shaped key, wherever the body puts it", () => {
    const other = "AIzaSyB-SOMEONE-ELSES-KEY-0123456789abc";
    const error = httpError(
      400,
      status(400, "INVALID_ARGUMENT", `API key not valid: ${key} (tried https://x.googleapis.com/v1?key=${other}&alt=sse)`, [
        { reason: `API_KEY_INVALID ${key.slice(4, 20)}` },
      ]),
    );
    const failure = classifyGoogleError(error, source);
    const seen = JSON.stringify([failure.message, failure.providerMessage, failure.providerCode, String(failure.cause)]);
    expect(seen).not.toContain(key.slice(8, 16));
    expect(seen).not.toContain(other.slice(8, 16));
    expect(seen).toContain("?key=[redacted]&alt=sse");
  });
});

describe("classifyGoogleError: what is not the provider's answer", () => {
  const refused = () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
    return new TypeError("fetch failed", { cause });
  };

  it("a fetch that failed is a connection failure naming the errno, a broken stream once content arrived", () => {
    const failure = classifyGoogleError(refused(), source);
    expect(failure).toMatchObject({ kind: "connection" });
    expect(failure.message).toBe("connection failed: fetch failed (connect ECONNREFUSED 127.0.0.1:9)");
    const socket = Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });
    const cut = new TypeError("terminated", { cause: socket });
    expect(classifyGoogleError(cut, { ...source, midStream: true })).toMatchObject({ kind: "stream_broken" });
    expect(classifyGoogleError(cut, source)).toMatchObject({ kind: "connection" });
  });

  it("an abort is the caller's when its signal fired, else the SDK's own timeout", () => {
    const abort = new DOMException("This operation was aborted", "AbortError");
    const fired = new AbortController();
    fired.abort();
    expect(classifyGoogleError(abort, source, fired.signal)).toMatchObject({ kind: "aborted" });
    expect(classifyGoogleError(abort, source, new AbortController().signal)).toMatchObject({ kind: "timeout" });
    expect(classifyGoogleError(abort, source)).toMatchObject({ kind: "aborted" });
  });

  it.each<[string, unknown, string]>([
    [
      "a parameter of the other backend, refused by the SDK before any call",
      new Error(
        "routingConfig parameter is only supported in Gemini Enterprise Agent Platform mode, not in Gemini Developer API mode.",
      ),
      "invalid_request",
    ],
    ["a chunk that is not JSON", new SyntaxError("Unexpected end of JSON input"), "stream_broken"],
    ["a stream cut inside an event", new Error("Incomplete JSON segment at the end"), "stream_broken"],
    ["anything else", new Error("something odd"), "connection"],
    ["a thrown string", "boom", "connection"],
  ])("%s", (_name, error, kind) => {
    expect(classifyGoogleError(error, source)).toMatchObject({ kind });
  });
});

describe("classifyGoogleError: untrusted bodies never throw, and always give a valid kind and a bounded delay", () => {
  const rpcStatuses = fc.constantFrom(
    "RESOURCE_EXHAUSTED",
    "UNAVAILABLE",
    "INTERNAL",
    "INVALID_ARGUMENT",
    "FAILED_PRECONDITION",
    "PERMISSION_DENIED",
    "NOT_FOUND",
    "DEADLINE_EXCEEDED",
    "weird",
  );
  const details = fc.array(
    fc.oneof(
      fc.record({
        "@type": fc.constant("type.googleapis.com/google.rpc.RetryInfo"),
        retryDelay: fc.oneof(fc.string(), fc.anything()),
      }),
      fc.record({
        violations: fc.oneof(fc.array(fc.record({ quotaId: fc.anything(), quotaMetric: fc.string() })), fc.anything()),
      }),
      fc.record({ reason: fc.anything() }),
      fc.anything(),
    ),
    { maxLength: 4 },
  );
  const body = fc.oneof(
    fc.record({
      error: fc.record({ code: fc.anything(), message: fc.anything(), status: fc.oneof(rpcStatuses, fc.anything()), details }),
    }),
    fc.anything(),
  );

  it("for any body and status", () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 400, max: 599 }), fc.boolean(), (value, code, inStream) => {
        const text = (() => {
          try {
            return JSON.stringify(value) ?? String(value);
          } catch {
            return "unserialisable";
          }
        })();
        const error = new ApiError({ status: code, message: inStream ? `got status: X. ${text}` : text });
        const failure = classifyGoogleError(error, source);
        expect(isModelErrorKind(failure.kind)).toBe(true);
        if (failure.retryAfterMs !== undefined) {
          expect(Number.isInteger(failure.retryAfterMs)).toBe(true);
          expect(failure.retryAfterMs).toBeGreaterThanOrEqual(0);
          expect(failure.retryAfterMs).toBeLessThanOrEqual(maxProviderDelayMs);
        }
        expect(failure.status).toBe(inStream ? undefined : code);
      }),
    );
  });

  it("parseGoogleDuration: any string gives whole, bounded ms or nothing", () => {
    const durations = fc.oneof(
      fc.string(),
      fc.stringMatching(/^-?\d{1,400}(\.\d{0,12})?(s|ms|m)?$/),
      fc.double({ noNaN: false }).map((n) => `${n}s`),
    );
    fc.assert(
      fc.property(durations, (text) => {
        const ms = parseGoogleDuration(text);
        if (ms === undefined) return;
        expect(Number.isInteger(ms)).toBe(true);
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThanOrEqual(maxProviderDelayMs);
      }),
    );
  });

  it("parseGoogleDuration reads Duration JSON and nothing else", () => {
    expect(parseGoogleDuration("36s")).toBe(36_000);
    expect(parseGoogleDuration("0.5s")).toBe(500);
    expect(parseGoogleDuration("1.000340s")).toBe(1_000);
    expect(parseGoogleDuration(" 2s ")).toBe(2_000);
    expect(parseGoogleDuration("99999999s")).toBe(maxProviderDelayMs);
    for (const bad of ["-5s", "5", "5m", "1e3s", "soon", "", "Infinitys", `${"9".repeat(400)}s`])
      expect(parseGoogleDuration(bad)).toBeUndefined();
  });
});
