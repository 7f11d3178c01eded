import { createFallback, type FallbackResult } from "@understudy/core";
import { openai } from "@understudy/openai";
import { faults } from "@understudy/testing";
import { useFaultServer } from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";
import { ChainInstrumentation } from "./chain-instrumentation.ts";
import { chainSpans, childrenOf, inAppSpan, useOtel } from "./test-support/otel-harness.ts";

const server = useFaultServer();
const otel = useOtel();
const apiKey = "sk-sentinel-0123456789abcdefghij";

describe("concurrent requests", () => {
  it("20 at once, half falling over: each chain span under its own app span, with exactly its own calls", async () => {
    // Every other request to the primary is overloaded; the backup answers after a varying pause.
    server().script("gpt-4.1", (attempt) =>
      attempt % 2 === 0 ? faults.overloaded() : { text: "primary", delayMs: attempt * 3 },
    );
    server().script("gpt-4.1-mini", (attempt) => ({ text: "backup", delayMs: (attempt % 5) * 4 }));
    const chat = createFallback({
      models: [
        { model: openai("gpt-4.1", { apiKey, baseURL: server().openaiBaseURL }), retry: { maxAttempts: 1 } },
        { model: openai("gpt-4.1-mini", { apiKey, baseURL: server().openaiBaseURL }) },
      ],
    });
    const instrumentation = new ChainInstrumentation(chat, { tracerProvider: otel().tracerProvider });

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        inAppSpan(otel(), `job ${index}`, async () => {
          const ask = { messages: [{ role: "user" as const, content: `question ${index}` }] };
          return index % 3 === 0 ? chat.generate(ask) : readStream(chat.stream(ask));
        }),
      ),
    );
    expect(results.filter((result) => result.fallbacks.length > 0).length).toBeGreaterThan(0);

    const spans = otel().spans();
    const requests = chainSpans(spans);
    expect(requests).toHaveLength(20);
    const byId = new Map(results.map((result) => [result.requestId, result]));
    const jobOf = new Map(results.map((result, index) => [result.requestId, `job ${index}`]));
    for (const request of requests) {
      const result = byId.get(String(request.attributes["understudy.request.id"]));
      expect(result).toBeDefined();
      const app = spans.find((span) => span.spanContext().spanId === request.parentSpanContext?.spanId);
      expect(app?.name).toBe(jobOf.get(result?.requestId ?? ""));
      const calls = childrenOf(spans, request);
      expect(calls.map((call) => call.attributes["understudy.request.id"])).toEqual(calls.map(() => result?.requestId));
      expect(calls.map((call) => call.attributes["understudy.model"])).toEqual(result?.attempts.map((attempt) => attempt.model));
      expect(request.attributes["understudy.attempt_count"]).toBe(calls.length);
      expect(request.attributes["understudy.answer.model"]).toBe(result?.model);
    }
    // Every call span belongs to one of the chain spans.
    const callSpans = spans.filter((span) => span.name.startsWith("chat "));
    expect(callSpans).toHaveLength(results.reduce((sum, result) => sum + result.attempts.length, 0));
    expect(instrumentation.openRequests).toBe(0);
  });
});

async function readStream(stream: ReturnType<ReturnType<typeof createFallback>["stream"]>): Promise<FallbackResult> {
  for await (const _ of stream) {
    // Read to the end.
  }
  return stream.result;
}
