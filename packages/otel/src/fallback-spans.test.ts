import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { anthropic } from "@understudy/anthropic";
import { type ChatRequest, createFallback } from "@understudy/core";
import { openai } from "@understudy/openai";
import { faults } from "@understudy/testing";
import { useFaultServer } from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";
import { instrument } from "./index.ts";
import { chainSpans, childrenOf, inAppSpan, type Point, useOtel } from "./test-support/otel-harness.ts";

const server = useFaultServer();
const otel = useOtel();
const apiKey = "sk-sentinel-0123456789abcdefghij";
const ask: ChatRequest = {
  messages: [{ role: "user", content: "What is the weather in Paris?" }],
  maxTokens: 100,
  temperature: 0.2,
  topP: 0.9,
  stopSequences: ["END"],
};

function chain() {
  return createFallback({
    models: [
      {
        model: anthropic("claude-sonnet-4-6", { apiKey, baseURL: server().anthropicBaseURL }),
        retry: { maxAttempts: 2, initialDelayMs: 5, maxDelayMs: 10 },
        price: { inputPerMillion: 3, outputPerMillion: 15 },
      },
      {
        model: openai("gpt-4.1-mini", { apiKey, baseURL: server().openaiBaseURL }),
        price: { inputPerMillion: 0.4, outputPerMillion: 1.6, cachedInputPerMillion: 0.1 },
      },
    ],
  });
}

const boundariesOf = (point: Point | undefined) =>
  (point?.value as { buckets?: { boundaries: number[] } } | undefined)?.buckets?.boundaries;

const pointWith = (points: Point[], attributes: Record<string, unknown>) =>
  points.filter((point) => Object.entries(attributes).every(([key, value]) => point.attributes[key] === value));

describe("a 529 that falls over, traced", () => {
  it("makes a chain span under the app's span, a CLIENT span per call, and events for the retry and the switch", async () => {
    server().script("claude-sonnet-4-6", [faults.overloaded(), faults.overloaded()]);
    server().script("gpt-4.1-mini", [{ text: "Sunny, 21°C.", cachedTokens: 4 }]);
    const chat = chain();
    instrument(chat, { tracerProvider: otel().tracerProvider, meterProvider: otel().meterProvider, name: "weather" });

    const result = await inAppSpan(otel(), "POST /weather", () => chat.generate(ask));
    expect(result.model).toBe("openai:gpt-4.1-mini");

    const spans = otel().spans();
    const app = spans.find((span) => span.name === "POST /weather");
    const [request] = chainSpans(spans);
    expect(app).toBeDefined();
    expect(request?.name).toBe("understudy generate weather");
    expect(request?.kind).toBe(SpanKind.INTERNAL);
    expect(request?.parentSpanContext?.spanId).toBe(app?.spanContext().spanId);
    expect(request?.spanContext().traceId).toBe(app?.spanContext().traceId);
    expect(request?.attributes).toMatchObject({
      "understudy.request.id": result.requestId,
      "understudy.method": "generate",
      "understudy.chain.name": "weather",
      "understudy.chain.models": ["anthropic:claude-sonnet-4-6", "openai:gpt-4.1-mini"],
      "understudy.outcome": "success",
      "understudy.answer.model": "openai:gpt-4.1-mini",
      "understudy.answer.provider": "openai",
      "understudy.answer.model_id": "gpt-4.1-mini",
      "understudy.attempt_count": 3,
      "understudy.fallback_count": 1,
      "understudy.fallbacks": ["anthropic:claude-sonnet-4-6 -> openai:gpt-4.1-mini: overloaded"],
      "understudy.skip_count": 0,
      "understudy.reset_count": 0,
      "understudy.cost.answer": result.cost.answer,
      "understudy.cost.wasted": 0,
      "understudy.cost.complete": true,
    });
    expect(request?.status.code).toBe(SpanStatusCode.UNSET);
    expect(request?.events.map((event) => event.name)).toEqual(["understudy.retry", "understudy.fallback"]);
    expect(request?.events[0]?.attributes).toMatchObject({
      "understudy.model": "anthropic:claude-sonnet-4-6",
      "understudy.attempt": 2,
      "understudy.reason": "overloaded",
    });
    expect(request?.events[1]?.attributes).toEqual({
      "understudy.fallback.from": "anthropic:claude-sonnet-4-6",
      "understudy.fallback.to": "openai:gpt-4.1-mini",
      "understudy.reason": "overloaded",
    });

    const calls = childrenOf(spans, request ?? (app as never));
    expect(calls.map((span) => [span.name, span.kind])).toEqual([
      ["chat claude-sonnet-4-6", SpanKind.CLIENT],
      ["chat claude-sonnet-4-6", SpanKind.CLIENT],
      ["chat gpt-4.1-mini", SpanKind.CLIENT],
    ]);
    const [first, second, answer] = calls;
    const port = Number(new URL(server().url).port);
    expect(first?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "anthropic",
      "gen_ai.request.model": "claude-sonnet-4-6",
      "gen_ai.request.max_tokens": 100,
      "gen_ai.request.temperature": 0.2,
      "gen_ai.request.top_p": 0.9,
      "gen_ai.request.stop_sequences": ["END"],
      "server.address": "127.0.0.1",
      "server.port": port,
      "error.type": "overloaded",
      "understudy.http.status": 529,
      "understudy.model": "anthropic:claude-sonnet-4-6",
      "understudy.attempt": 1,
      "understudy.attempt.outcome": "failure",
      "understudy.probe": false,
    });
    expect(first?.attributes["gen_ai.request.stream"]).toBeUndefined();
    // The HTTP status is the HTTP span's attribute (below, instrumentation-undici's), not the model call's.
    expect(first?.attributes["http.response.status_code"]).toBeUndefined();
    expect(first?.status.code).toBe(SpanStatusCode.ERROR);
    expect(first?.status.message).toMatch(/overload/i);
    expect(second?.attributes).toMatchObject({ "understudy.attempt": 2, "error.type": "overloaded" });
    expect(second?.attributes["understudy.attempt.waited_ms"]).toBeGreaterThan(0);

    const { usage } = result;
    expect(answer?.status.code).toBe(SpanStatusCode.UNSET);
    expect(answer?.attributes).toMatchObject({
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4.1-mini",
      "gen_ai.response.model": result.responseModel,
      "gen_ai.response.id": result.responseId,
      "gen_ai.response.finish_reasons": ["stop"],
      // The conventions count cached tokens as input; understudy's inputTokens does not.
      "gen_ai.usage.input_tokens": usage.inputTokens + usage.cachedInputTokens,
      "gen_ai.usage.output_tokens": usage.outputTokens,
      "gen_ai.usage.cache_read.input_tokens": 4,
      "server.address": "127.0.0.1",
      "server.port": port,
      "understudy.attempt.outcome": "success",
    });
    expect(answer?.attributes["error.type"]).toBeUndefined();
    // Content is off by default.
    expect(Object.keys(answer?.attributes ?? {}).filter((key) => key.includes("messages"))).toEqual([]);
  });

  it("records the GenAI client metrics per call, and the fallback and cost counters", async () => {
    server().script("claude-sonnet-4-6", [faults.overloaded(), faults.overloaded()]);
    server().script("gpt-4.1-mini", [{ text: "Sunny, 21°C.", cachedTokens: 4 }]);
    const chat = chain();
    instrument(chat, { tracerProvider: otel().tracerProvider, meterProvider: otel().meterProvider });
    const result = await chat.generate(ask);

    const durations = await otel().points("gen_ai.client.operation.duration");
    const port = Number(new URL(server().url).port);
    const failed = pointWith(durations, { "gen_ai.request.model": "claude-sonnet-4-6", "error.type": "overloaded" });
    expect(failed).toHaveLength(1);
    expect(failed[0]?.attributes).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "anthropic",
      "gen_ai.request.model": "claude-sonnet-4-6",
      "server.address": "127.0.0.1",
      "server.port": port,
      "error.type": "overloaded",
    });
    expect(failed[0]?.value).toMatchObject({ count: 2 });
    const answered = pointWith(durations, { "gen_ai.request.model": "gpt-4.1-mini" });
    expect(answered).toHaveLength(1);
    expect(answered[0]?.attributes["error.type"]).toBeUndefined();
    expect(answered[0]?.attributes["gen_ai.response.model"]).toBe(result.responseModel);
    // The advised buckets of the conventions.
    expect(boundariesOf(answered[0])).toEqual([
      0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
    ]);

    const tokens = await otel().points("gen_ai.client.token.usage");
    const input = pointWith(tokens, { "gen_ai.token.type": "input" });
    const output = pointWith(tokens, { "gen_ai.token.type": "output" });
    expect(input.map((point) => (point.value as { sum: number }).sum)).toEqual([
      result.usage.inputTokens + result.usage.cachedInputTokens,
    ]);
    expect(output.map((point) => (point.value as { sum: number }).sum)).toEqual([result.usage.outputTokens]);
    expect(input[0]?.attributes["gen_ai.provider.name"]).toBe("openai");
    expect(boundariesOf(input[0])?.at(-1)).toBe(67108864);

    // No stream: no time to first chunk.
    expect(await otel().points("gen_ai.client.operation.time_to_first_chunk")).toEqual([]);

    expect(await otel().points("understudy.fallbacks")).toEqual([
      {
        attributes: {
          "understudy.fallback.from": "anthropic:claude-sonnet-4-6",
          "understudy.fallback.to": "openai:gpt-4.1-mini",
          "understudy.reason": "overloaded",
        },
        value: 1,
      },
    ]);
    const answeredCost = await otel().points("understudy.cost.answered");
    expect(answeredCost).toEqual([{ attributes: { "understudy.model": "openai:gpt-4.1-mini" }, value: result.cost.answer }]);
    expect(result.cost.answer).toBeGreaterThan(0);
  });
});
