import { SpanKind } from "@opentelemetry/api";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { anthropic } from "@understudy/anthropic";
import { createFallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import { faults } from "@understudy/testing";
import { useFaultServer } from "@understudy/testing/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { instrument } from "./index.ts";
import { chainSpans, childrenOf, useOtel } from "./test-support/otel-harness.ts";

const server = useFaultServer();
const otel = useOtel();
const apiKey = "sk-sentinel-0123456789abcdefghij";
let undici: UndiciInstrumentation | undefined;

afterEach(() => {
  undici?.disable();
  undici = undefined;
});

describe("the SDK's own HTTP call", () => {
  it("is a child of the attempt's span (fetch, seen by @opentelemetry/instrumentation-undici)", async () => {
    // Enabled at construction (its `enabled: false` would also silence it after enable()).
    undici = new UndiciInstrumentation();
    undici.setTracerProvider(otel().tracerProvider);
    server().script("claude-sonnet-4-6", [faults.overloaded()]);
    const chat = createFallback({
      models: [
        { model: anthropic("claude-sonnet-4-6", { apiKey, baseURL: server().anthropicBaseURL }), retry: { maxAttempts: 1 } },
        { model: openai("gpt-4.1-mini", { apiKey, baseURL: server().openaiBaseURL }) },
      ],
    });
    instrument(chat, { tracerProvider: otel().tracerProvider });
    const stream = chat.stream({ messages: [{ role: "user", content: "Hi" }] });
    for await (const _ of stream) {
      // Read to the end.
    }
    await stream.result;

    const spans = otel().spans();
    const [request] = chainSpans(spans);
    const calls = childrenOf(spans, request ?? (undefined as never));
    expect(calls.map((call) => call.name)).toEqual(["chat claude-sonnet-4-6", "chat gpt-4.1-mini"]);
    for (const call of calls) {
      const http = childrenOf(spans, call);
      expect(http).toHaveLength(1);
      expect(http[0]?.kind).toBe(SpanKind.CLIENT);
      expect(http[0]?.attributes["http.request.method"]).toBe("POST");
      expect(String(http[0]?.attributes["url.full"])).toContain(server().url);
    }
    const [overloaded, answered] = calls.map((call) => childrenOf(spans, call)[0]);
    expect(overloaded?.attributes["http.response.status_code"]).toBe(529);
    expect(answered?.attributes["http.response.status_code"]).toBe(200);
  });
});
