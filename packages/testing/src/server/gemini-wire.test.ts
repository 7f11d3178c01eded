import { ApiError, type GenerateContentResponse, GoogleGenAI } from "@google/genai";
import { beforeAll, describe, expect, it } from "vitest";
import { useFaultServer } from "../vitest/use-fault-server.ts";
import type { FaultServer } from "./fault-server.ts";
import { type FaultStep, faults, type ProviderFailure } from "./fault-step.ts";
import { faultThoughtSignature } from "./gemini-wire.ts";

const apiKey = "AIzaSyFaultServerTestKey0123456789abcd";
const faultServer = useFaultServer();
let server: FaultServer;
let gemini: GoogleGenAI;

beforeAll(() => {
  server = faultServer();
  gemini = new GoogleGenAI({ apiKey, httpOptions: { baseUrl: server.geminiBaseURL } });
});

const model = "gemini-test";
const contents = "What is the weather in Paris?";
const weatherTool = { name: "get_weather", args: { city: "Paris", unit: "celsius" } };

async function failureOf(promise: Promise<unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  const { status, message } = error as ApiError;
  return { status, body: JSON.parse(message) as Record<string, unknown> };
}

async function collect(stream: AsyncGenerator<GenerateContentResponse>): Promise<GenerateContentResponse[]> {
  const chunks: GenerateContentResponse[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const textOf = (chunks: readonly GenerateContentResponse[]) =>
  chunks.map((chunk) => chunk.candidates?.[0]?.content?.parts?.map((part) => part.text ?? "").join("") ?? "").join("");

describe("Gemini wire format, read by the @google/genai SDK", () => {
  it("answers generateContent with text, a finish reason and usage, on v1beta and v1", async () => {
    server.script(model, [{ text: "Sunny in Paris.", cachedTokens: 3, reasoningTokens: 7 }]);
    const response = await gemini.models.generateContent({ model, contents, config: { systemInstruction: "Be brief." } });
    expect(response.text).toBe("Sunny in Paris.");
    expect(response.candidates?.[0]?.finishReason).toBe("STOP");
    expect(response.modelVersion).toBe(model);
    const usage = response.usageMetadata;
    // promptTokenCount includes the cached tokens; the total adds the thoughts.
    expect(usage).toMatchObject({ cachedContentTokenCount: 3, thoughtsTokenCount: 7, candidatesTokenCount: 3 });
    expect(usage?.totalTokenCount).toBe((usage?.promptTokenCount ?? 0) + 3 + 7);
    expect(server.log).toMatchObject([
      { provider: "gemini", path: `/v1/models/${model}:generateContent`, model, attempt: 1, stream: false, status: 200 },
    ]);
    expect(server.log[0]?.body).toMatchObject({
      contents: [{ role: "user", parts: [{ text: contents }] }],
      systemInstruction: { parts: [{ text: "Be brief." }] },
    });

    // @google/genai 3 asks v1 by default; v1beta when told (a trailing slash on the base URL is dropped).
    const beta = new GoogleGenAI({ apiKey, httpOptions: { baseUrl: `${server.geminiBaseURL}/`, apiVersion: "v1beta" } });
    await expect(beta.models.generateContent({ model, contents })).resolves.toMatchObject({
      candidates: [{ finishReason: "STOP" }],
    });
    expect(server.log[1]?.path).toBe(`/v1beta/models/${model}:generateContent`);
  });

  it("streams text chunk by chunk, the finish reason and the final usage on the last chunk", async () => {
    server.script(model, [{ text: "one two three", cachedTokens: 2 }]);
    const chunks = await collect(await gemini.models.generateContentStream({ model, contents }));
    expect(textOf(chunks)).toBe("one two three");
    expect(chunks.slice(0, -1).every((chunk) => chunk.candidates?.[0]?.finishReason === undefined)).toBe(true);
    const last = chunks.at(-1);
    expect(last?.candidates?.[0]?.finishReason).toBe("STOP");
    expect(last?.usageMetadata).toMatchObject({ candidatesTokenCount: 3, cachedContentTokenCount: 2 });
    // Every chunk carries the usage so far: summing them would count the prompt three times over.
    expect(chunks[0]?.usageMetadata?.promptTokenCount).toBe(last?.usageMetadata?.promptTokenCount);
    expect(server.log[0]).toMatchObject({
      provider: "gemini",
      path: `/v1/models/${model}:streamGenerateContent?alt=sse`,
      stream: true,
      status: 200,
    });
  });

  it("puts the finish reason on the last chunk with content, as Gemini usually does, or on a chunk of its own when told", async () => {
    server.script(model, [
      { text: "one two" },
      { text: "one two", separateFinishChunk: true },
      { toolCalls: [{ ...weatherTool, id: "c1" }] },
      { toolCalls: [{ ...weatherTool, id: "c2" }], separateFinishChunk: true },
    ]);
    const read = async () =>
      (await collect(await gemini.models.generateContentStream({ model, contents }))).map((chunk) => chunk.candidates?.[0]);
    const merged = await read();
    expect(merged.map((c) => [c?.content?.parts?.[0]?.text, c?.finishReason])).toEqual([
      ["one ", undefined],
      ["two", "STOP"],
    ]);
    const separate = await read();
    expect(separate.map((c) => [c?.content?.parts?.[0]?.text, c?.finishReason])).toEqual([
      ["one ", undefined],
      ["two", undefined],
      ["", "STOP"],
    ]);
    const call = await read();
    expect(call).toHaveLength(1);
    expect(call[0]).toMatchObject({ content: { parts: [{ functionCall: { id: "c1" } }] }, finishReason: "STOP" });
    const callThenFinish = await read();
    expect(callThenFinish.map((c) => c?.finishReason)).toEqual([undefined, "STOP"]);
    expect(callThenFinish[1]?.content).toBeUndefined();
    expect(server.log.map((entry) => entry.fault)).toEqual(["answer", "separate-finish", "answer", "separate-finish"]);
  });

  it("sends no request id header, as Gemini sends none, on answers, streams and errors", async () => {
    server.script(model, [{}, {}, faults.overloaded()]);
    const answer = await gemini.models.generateContent({ model, contents });
    expect(answer.sdkHttpResponse?.headers).not.toHaveProperty("x-request-id");
    const chunks = await collect(await gemini.models.generateContentStream({ model, contents }));
    expect(chunks[0]?.sdkHttpResponse?.headers).not.toHaveProperty("x-request-id");
    const error = await fetch(`${server.geminiBaseURL}/v1beta/models/${model}:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": apiKey },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: contents }] }] }),
    });
    expect(error.status).toBe(503);
    expect(error.headers.get("x-request-id")).toBeNull();
  });

  it("sends function calls with and without an id, the first with a thought signature, and logs it coming back", async () => {
    server.script(model, [
      {
        toolCalls: [
          { ...weatherTool, id: "call-1" },
          { name: "get_time", args: { zone: "Europe/Paris" }, omitId: true },
        ],
      },
      { toolCalls: [{ ...weatherTool, omitId: true, thoughtSignature: "c2lnbmVk" }] },
      { toolCalls: [{ ...weatherTool, thoughtSignature: false }] },
    ]);
    const response = await gemini.models.generateContent({ model, contents });
    expect(response.candidates?.[0]?.finishReason).toBe("STOP");
    const parts = response.candidates?.[0]?.content?.parts ?? [];
    expect(parts).toEqual([
      {
        functionCall: { id: "call-1", name: "get_weather", args: weatherTool.args },
        thoughtSignature: faultThoughtSignature("call-1"),
      },
      { functionCall: { name: "get_time", args: { zone: "Europe/Paris" } } },
    ]);
    expect(response.functionCalls?.map((call) => call.id)).toEqual(["call-1", undefined]);

    // The client sends the model's turn back with the signature where it came, then the responses.
    const modelTurn = response.candidates?.[0]?.content;
    const functionResponses = {
      role: "user",
      parts: [
        { functionResponse: { id: "call-1", name: "get_weather", response: { temperature: 21 } } },
        { functionResponse: { name: "get_time", response: { time: "12:00" } } },
      ],
    };
    const streamed = await collect(
      await gemini.models.generateContentStream({
        model,
        contents: [{ role: "user", parts: [{ text: contents }] }, modelTurn ?? {}, functionResponses],
      }),
    );
    const sent = server.log[1]?.body.contents as { parts: { thoughtSignature?: string }[] }[];
    expect(sent[1]?.parts[0]?.thoughtSignature).toBe(faultThoughtSignature("call-1"));
    expect(streamed.flatMap((chunk) => chunk.candidates?.[0]?.content?.parts ?? [])).toEqual([
      { functionCall: { name: "get_weather", args: weatherTool.args }, thoughtSignature: "c2lnbmVk" },
    ]);
    expect(streamed.at(-1)?.candidates?.[0]?.finishReason).toBe("STOP");
    const unsigned = await gemini.models.generateContent({ model, contents });
    expect(unsigned.candidates?.[0]?.content?.parts?.[0]).not.toHaveProperty("thoughtSignature");
  });

  it("ends a step with Gemini's own finish reasons, or the neutral ones translated", async () => {
    const raw = ["SAFETY", "PROHIBITED_CONTENT", "RECITATION", "BLOCKLIST", "SPII", "MALFORMED_FUNCTION_CALL"];
    const steps: FaultStep[] = [
      ...raw.map((rawFinishReason) => ({ text: "", rawFinishReason })),
      { finishReason: "length" },
      { finishReason: "content-filter", text: "" },
      { finishReason: "tool-calls" },
    ];
    server.script(model, steps);
    const reasons = [];
    for (let i = 0; i < steps.length; i++) {
      const response = await gemini.models.generateContent({ model, contents });
      reasons.push(response.candidates?.[0]?.finishReason);
    }
    expect(reasons).toEqual([...raw, "MAX_TOKENS", "SAFETY", "STOP"]);
  });

  it("does not retry by default: one request per call", async () => {
    server.script(model, faults.failTimes(1, faults.overloaded()));
    expect((await failureOf(gemini.models.generateContent({ model, contents }))).status).toBe(503);
    expect(server.requestsFor(model)).toHaveLength(1);
  });
});

describe("Gemini failures, as the SDK's ApiError surfaces them (status, message = the JSON body)", () => {
  const cases: [ProviderFailure, number, string, string][] = [
    ["rate_limit", 429, "RESOURCE_EXHAUSTED", "You exceeded your current quota"],
    ["quota", 429, "RESOURCE_EXHAUSTED", "You exceeded your current quota"],
    ["billing", 400, "FAILED_PRECONDITION", "Please enable billing"],
    ["overloaded", 503, "UNAVAILABLE", "The model is overloaded. Please try again later."],
    ["server", 500, "INTERNAL", "An internal error has occurred."],
    ["gateway_timeout", 504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete."],
    ["context_length", 400, "INVALID_ARGUMENT", "The input token count (1200293) exceeds the maximum number of tokens"],
    ["invalid_request", 400, "INVALID_ARGUMENT", "Request contains an invalid argument."],
    ["unprocessable", 400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name"],
    ["prefill_rejected", 400, "INVALID_ARGUMENT", "Please ensure that single turn requests end with a user role"],
    ["auth", 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."],
    ["unauthenticated", 401, "UNAUTHENTICATED", "Request had invalid authentication credentials."],
    ["forbidden", 403, "PERMISSION_DENIED", "The caller does not have permission"],
    ["not_found", 404, "NOT_FOUND", `models/${model} is not found for API version v1, or is not supported for generateContent.`],
  ];

  it.each(cases)("%s → %i %s", async (failure, status, rpcStatus, message) => {
    server.script(model, [{ failure }]);
    const error = await failureOf(gemini.models.generateContent({ model, contents }));
    expect(error).toMatchObject({ status, body: { error: { code: status, status: rpcStatus } } });
    expect((error.body.error as { message: string }).message).toContain(message);
  });

  it("a bad key is a 400 with ErrorInfo API_KEY_INVALID", async () => {
    server.script(model, [faults.unauthorized()]);
    const { body } = await failureOf(gemini.models.generateContent({ model, contents }));
    expect(body).toMatchObject({
      error: {
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            reason: "API_KEY_INVALID",
            domain: "googleapis.com",
            metadata: { service: "generativelanguage.googleapis.com" },
          },
          { "@type": "type.googleapis.com/google.rpc.LocalizedMessage" },
        ],
      },
    });
  });

  it("a rate limit names the per-minute quota, and says when to come back in the body only when told", async () => {
    server.script(model, [
      faults.rateLimit(),
      faults.rateLimit({ retryAfterSeconds: 36 }),
      faults.rateLimit({ retryAfterMs: 500 }),
      { ...faults.quota(), retry: { retryAfterSeconds: 36 } },
      faults.rateLimit({ retryDelay: "-5s", headers: { "retry-after": "1" } }),
    ]);
    const details = async () =>
      ((await failureOf(gemini.models.generateContent({ model, contents }))).body.error as { details: unknown[] }).details;
    const quotaFailure = (per: string) => ({
      "@type": "type.googleapis.com/google.rpc.QuotaFailure",
      violations: [
        {
          quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests",
          quotaId: `GenerateRequestsPer${per}PerProjectPerModel-FreeTier`,
          quotaDimensions: { location: "global", model },
        },
      ],
    });
    const retryInfo = (retryDelay: string) => ({ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay });
    const help = { "@type": "type.googleapis.com/google.rpc.Help" };
    const none = await details();
    expect([none, none.length]).toMatchObject([[help, quotaFailure("Minute")], 2]);
    expect(await details()).toMatchObject([help, quotaFailure("Minute"), retryInfo("36s")]);
    expect(await details()).toMatchObject([help, quotaFailure("Minute"), retryInfo("0.5s")]);
    // Gemini sends a RetryInfo with an exhausted daily quota too: a delay that does not help.
    expect(await details()).toMatchObject([help, quotaFailure("Day"), retryInfo("36s")]);
    // A retryDelay as written; no retry headers of Gemini's own, raw ones as written. Pretty-printed, as Google does.
    const raw = await fetch(`${server.url}/v1beta/models/${model}:generateContent`, {
      method: "POST",
      headers: { "x-goog-api-key": apiKey },
      body: JSON.stringify({ contents: [] }),
    });
    expect([raw.status, raw.headers.get("retry-after"), raw.headers.get("content-type")]).toEqual([
      429,
      "1",
      "application/json; charset=UTF-8",
    ]);
    const text = await raw.text();
    expect(text).toMatch(/^\{\n {2}"error": \{\n {4}"code": 429,\n/);
    expect(JSON.parse(text)).toMatchObject({ error: { details: [help, quotaFailure("Minute"), retryInfo("-5s")] } });
  });

  it("a 502 is Google's HTML page, which the SDK wraps in a JSON error of its own", async () => {
    server.script(model, [{ failure: "bad_gateway" }]);
    const { status, body } = await failureOf(gemini.models.generateContent({ model, contents }));
    expect(status).toBe(502);
    expect(body).toMatchObject({ error: { code: 502, status: "Bad Gateway", message: expect.stringContaining("502.") } });
  });

  it("content_policy blocks the prompt: a 200 with promptFeedback and no candidates, streamed or not", async () => {
    server.script(model, [faults.contentPolicy(), faults.contentPolicy()]);
    const response = await gemini.models.generateContent({ model, contents });
    expect(response.promptFeedback?.blockReason).toBe("SAFETY");
    expect(response.candidates).toBeUndefined();
    expect(response.text).toBeUndefined();
    const chunks = await collect(await gemini.models.generateContentStream({ model, contents }));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.promptFeedback?.blockReason).toBe("SAFETY");
    expect(server.log.map((entry) => [entry.fault, entry.status])).toEqual([
      ["content_policy", 200],
      ["content_policy", 200],
    ]);
  });
});

describe("Gemini stream faults", () => {
  it("an error chunk after a 200 is an ApiError with the chunk's code, after the text before it", async () => {
    server.script(model, [faults.midStreamError("overloaded", 2)]);
    const seen: GenerateContentResponse[] = [];
    const error = await (async () => {
      for await (const chunk of await gemini.models.generateContentStream({ model, contents })) seen.push(chunk);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect((error as ApiError).message).toMatch(/^got status: UNAVAILABLE\. \{"error":\{"code":503/);
    expect(textOf(seen)).toBe("This is ");
  });

  it("a safety stop mid-stream is no error: a chunk whose finishReason is SAFETY", async () => {
    server.script(model, [faults.midStreamError("content_policy", 1)]);
    const chunks = await collect(await gemini.models.generateContentStream({ model, contents }));
    expect(textOf(chunks)).toBe("This ");
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe("SAFETY");
  });

  it("a cut stream ends cleanly without a finishReason, and so does one without its last chunk", async () => {
    server.script(model, [faults.cutStream(2), { text: "all of it", omitDone: true }]);
    const cut = await collect(await gemini.models.generateContentStream({ model, contents }));
    expect(textOf(cut)).toBe("This is ");
    expect(cut.some((chunk) => chunk.candidates?.[0]?.finishReason !== undefined)).toBe(false);
    const undone = await collect(await gemini.models.generateContentStream({ model, contents }));
    expect(textOf(undone)).toBe("all of it");
    expect(undone.some((chunk) => chunk.candidates?.[0]?.finishReason !== undefined)).toBe(false);
    expect(server.log.map((entry) => entry.fault)).toEqual(["cut@2", "no-done"]);
  });

  it("a malformed chunk fails the stream; a reset fails it too", async () => {
    server.script(model, [faults.malformedStream(1), { resetAfterTokens: 1 }]);
    const malformed = await collect(await gemini.models.generateContentStream({ model, contents })).catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(Error);
    expect(malformed).not.toBeInstanceOf(ApiError);
    const reset = await collect(await gemini.models.generateContentStream({ model, contents })).catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(Error);
  });

  it("reports the usage it is told to, on every chunk", async () => {
    const odd = { promptTokenCount: -5, candidatesTokenCount: "7", totalTokenCount: null };
    server.script(model, [{ usage: odd }, { usage: odd }]);
    expect((await gemini.models.generateContent({ model, contents })).usageMetadata).toMatchObject(odd);
    const chunks = await collect(await gemini.models.generateContentStream({ model, contents }));
    for (const chunk of chunks) expect(chunk.usageMetadata).toMatchObject(odd);
  });
});

describe("Gemini requests and key echoes", () => {
  it("echoes the key where asked: message and status of an error, request id and responseId of an answer", async () => {
    const unprefixed = apiKey.slice("AIza".length);
    server.script(model, [
      { ...faults.overloaded(), echoApiKey: { part: "unprefixed", in: ["message", "code"] } },
      { ...faults.midStreamError("server", 1), echoApiKey: { part: "unprefixed", in: ["message", "code"] } },
      { echoApiKey: { part: "unprefixed", in: ["response-id", "request-id"] } },
    ]);
    const { body } = await failureOf(gemini.models.generateContent({ model, contents }));
    expect(body).toMatchObject({
      error: { code: 503, status: unprefixed, message: expect.stringContaining(`key ${unprefixed}`) },
    });
    const midStream = await collect(await gemini.models.generateContentStream({ model, contents })).catch((e: unknown) => e);
    expect(midStream).toBeInstanceOf(ApiError);
    expect((midStream as ApiError).message).toContain(`got status: ${unprefixed}.`);
    const answer = await gemini.models.generateContent({ model, contents });
    expect(answer.responseId).toBe(unprefixed);
    expect(answer.sdkHttpResponse?.headers?.["x-request-id"]).toBe(`req_${unprefixed}`);
  });

  it("reads the key from ?key= too, and answers 400 to a body or a stream it cannot serve", async () => {
    server.script(model, [{ failure: "server", echoApiKey: true }]);
    const url = `${server.url}/v1beta/models/${model}`;
    const viaQuery = await fetch(`${url}:generateContent?key=AIzaQueryKey`, {
      method: "POST",
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
    });
    expect(viaQuery.status).toBe(500);
    expect(await viaQuery.text()).toContain("key AIzaQueryKey rejected");
    const noContents = await fetch(`${url}:generateContent`, { method: "POST", body: "{}" });
    expect([noContents.status, await noContents.json()]).toEqual([
      400,
      {
        error: {
          code: 400,
          message: "* GenerateContentRequest.contents: contents is not specified\n",
          status: "INVALID_ARGUMENT",
        },
      },
    ]);
    const notSse = await fetch(`${url}:streamGenerateContent`, { method: "POST", body: JSON.stringify({ contents: [] }) });
    expect(notSse.status).toBe(400);
    expect(server.log.map((entry) => [entry.model, entry.status])).toEqual([[model, 500]]);
  });

  it("a prefill (a conversation ending with the model) is rejected for a model that takes none", async () => {
    server.behave(model, { rejectsPrefill: true });
    const prefill = [
      { role: "user", parts: [{ text: contents }] },
      { role: "model", parts: [{ text: "It is" }] },
    ];
    const { status } = await failureOf(gemini.models.generateContent({ model, contents: prefill }));
    expect(status).toBe(400);
    await expect(gemini.models.generateContent({ model, contents })).resolves.toBeTruthy();
  });

  it("unauthenticated is a 401 in the OpenAI and Anthropic formats too", async () => {
    server.script("gpt-test", [faults.unauthenticated()]).script("claude-test", [faults.unauthenticated()]);
    const openai = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "gpt-test", messages: [] }),
    });
    const anthropic = await fetch(`${server.url}/v1/messages`, {
      method: "POST",
      body: JSON.stringify({ model: "claude-test", max_tokens: 1, messages: [] }),
    });
    expect([openai.status, await openai.json()]).toMatchObject([401, { error: { code: "invalid_api_key" } }]);
    expect([anthropic.status, await anthropic.json()]).toMatchObject([401, { error: { type: "authentication_error" } }]);
  });
});
