import { ApiError, GoogleGenAI } from "@google/genai";
import { faults } from "@understudy/testing";
import {
  expectModelError,
  findSecret,
  readAdapterStream,
  runSecretLeakDrill,
  secretLeakSteps,
  useFaultServer,
} from "@understudy/testing/vitest";
import { afterEach, expect, it, vi } from "vitest";
import { google } from "./google.ts";

const server = useFaultServer();
// The shape of a Google API key: `AIza` and 35 characters.
const sentinel = "AIzaSyD-SENTINEL0123456789abcdefXYZ_012";
// Any piece of 8 characters (core's `minSecretFragment`) or more of the key is a leak.
const fragments = { minFragment: 8 };
const ask = { messages: [{ role: "user" as const, content: "hi" }] };
const bareClient = () => new GoogleGenAI({ apiKey: sentinel, httpOptions: { baseUrl: server().geminiBaseURL } });

afterEach(() => {
  vi.unstubAllEnvs();
});

it("the server really echoes the key: the bare SDK's error carries it", async () => {
  expect(sentinel).toMatch(/^AIza[0-9A-Za-z_-]{35}$/);
  server().script("gemini-test", [{ ...faults.unauthorized(), echoApiKey: true }]);
  const error = await bareClient()
    .models.generateContent({ model: "gemini-test", contents: "hi" })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect(findSecret(sentinel, [error])).toEqual([0]);
});

it("the server really echoes pieces of the key: in the message and the status of the body", async () => {
  server().script("gemini-test", [
    { ...faults.rateLimit(), echoApiKey: { part: "middle", in: ["message", "code"] } },
    { ...faults.unauthorized(), echoApiKey: { part: "unprefixed" } },
  ]);
  const generate = () =>
    bareClient()
      .models.generateContent({ model: "gemini-test", contents: "hi" })
      .catch((e: unknown) => e);
  const middle = (await generate()) as ApiError;
  const piece = sentinel.slice(sentinel.length / 2 - 6, sentinel.length / 2 + 6);
  // The SDK writes the body back as compact JSON.
  expect(middle.message).toContain(`"message":"key ${piece} rejected: `);
  expect(middle.message).toContain(`"status":"${piece}"`);
  const unprefixed = await generate();
  expect(findSecret(sentinel, [unprefixed])).toEqual([]);
  expect(findSecret(sentinel, [unprefixed], fragments)).toEqual([0]);
});

it("never lets the API key out through errors, events or logs, on any error path", async () => {
  const seen = await runSecretLeakDrill(
    server(),
    // The SDK takes no logger: what it writes goes to console, which the drill captures.
    () => google("gemini-test", { apiKey: sentinel, baseURL: server().geminiBaseURL }),
    // The SDK logs nothing for a chunk it cannot parse: it throws a SyntaxError.
    { sdkLogsMalformedChunks: false },
  );
  expect(seen.length).toBeGreaterThan(secretLeakSteps.length * 2);
  expect(findSecret(sentinel, seen, fragments)).toEqual([]);
});

it("never lets a key read from GEMINI_API_KEY out either", async () => {
  vi.stubEnv("GOOGLE_API_KEY", undefined);
  vi.stubEnv("GEMINI_API_KEY", sentinel);
  const seen = await runSecretLeakDrill(server(), () => google("gemini-test", { baseURL: server().geminiBaseURL }), {
    sdkLogsMalformedChunks: false,
  });
  // Every path reached the server: the key was read from the environment, and sent.
  expect(server().log).toHaveLength(secretLeakSteps.length);
  expect(findSecret(sentinel, seen, fragments)).toEqual([]);
});

it("redacts the response and request ids of an answer, streamed or not", async () => {
  const echo = { echoApiKey: { part: "middle", in: ["response-id", "request-id"] } } as const;
  server().script("gemini-test", [echo, echo]);
  const adapter = google("gemini-test", { apiKey: sentinel, baseURL: server().geminiBaseURL });
  const response = await adapter.generate(ask, { signal: new AbortController().signal });
  expect(response).toMatchObject({ responseId: "[redacted]", requestId: "req_[redacted]" });
  const { parts } = await readAdapterStream(adapter, ask);
  expect(parts.at(-1)).toMatchObject({ type: "finish", responseId: "[redacted]", requestId: "req_[redacted]" });
  expect(findSecret(sentinel, [response, parts], fragments)).toEqual([]);
});

it("redacts every field of an error that a piece of the key reaches, streamed or not", async () => {
  const echo = { echoApiKey: { part: "unprefixed", in: ["message", "code"] } } as const;
  server().script("gemini-test", [
    { ...faults.rateLimit(), ...echo },
    { ...faults.midStreamError("overloaded", 1), ...echo },
  ]);
  const adapter = google("gemini-test", { apiKey: sentinel, baseURL: server().geminiBaseURL });
  const error = await expectModelError(adapter.generate(ask, { signal: new AbortController().signal }));
  expect(error).toMatchObject({ kind: "rate_limit", providerCode: "[redacted]" });
  expect(error.providerMessage).toMatch(/^key \[redacted\] rejected: /);
  const streamed = (await readAdapterStream(adapter, ask)).error;
  expect(streamed).toMatchObject({ kind: "overloaded", providerCode: "[redacted]", status: undefined });
  expect(findSecret(sentinel, [error, streamed], fragments)).toEqual([]);
});

it("redacts a Google-shaped key it does not hold, and a ?key= in a quoted URL", async () => {
  const other = "AIzaSyB-SOMEONE-ELSE-0123456789abcdefgh";
  server().script("gemini-test", [
    {
      rawBody: {
        status: 400,
        body: JSON.stringify({
          error: {
            code: 400,
            message: `API key not valid: ${other} (https://generativelanguage.googleapis.com/v1/x?key=${sentinel.slice(0, 10)}&alt=sse)`,
            status: "INVALID_ARGUMENT",
          },
        }),
      },
    },
  ]);
  const adapter = google("gemini-test", { apiKey: sentinel, baseURL: server().geminiBaseURL });
  const error = await expectModelError(adapter.generate(ask, { signal: new AbortController().signal }));
  expect(error.kind).toBe("auth");
  expect(error.providerMessage).toBe(
    "API key not valid: [redacted] (https://generativelanguage.googleapis.com/v1/x?key=[redacted]&alt=sse)",
  );
  expect(findSecret(other, [error], fragments)).toEqual([]);
});
