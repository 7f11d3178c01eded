import { SpanStatusCode } from "@opentelemetry/api";
import { anthropic } from "@understudy/anthropic";
import { type ChatRequest, createFallback, type FallbackStreamPart } from "@understudy/core";
import { openai } from "@understudy/openai";
import { faults } from "@understudy/testing";
import { useFaultServer } from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";
import { ChainInstrumentation } from "./chain-instrumentation.ts";
import { chainSpans, childrenOf, type Point, useOtel } from "./test-support/otel-harness.ts";

const server = useFaultServer();
const otel = useOtel();
const apiKey = "sk-sentinel-0123456789abcdefghij";
const ask: ChatRequest = { messages: [{ role: "user", content: "Tell me a story." }], maxTokens: 200 };

function chain() {
  return createFallback({
    models: [
      { model: openai("gpt-4.1", { apiKey, baseURL: server().openaiBaseURL }), retry: { maxAttempts: 1 } },
      { model: anthropic("claude-haiku-4-5", { apiKey, baseURL: server().anthropicBaseURL }) },
    ],
  });
}

function wire(chat: ReturnType<typeof chain>) {
  return new ChainInstrumentation(chat, { tracerProvider: otel().tracerProvider, meterProvider: otel().meterProvider });
}

async function read(stream: AsyncIterable<FallbackStreamPart>): Promise<FallbackStreamPart[]> {
  const parts: FallbackStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const histogramSum = (points: Point[]) => points.map((point) => (point.value as { sum: number }).sum);

describe("streams, traced", () => {
  it("mark the call as streaming and record its time to first chunk, on the span and as the conventions' metric", async () => {
    server().script("gpt-4.1", [{ text: "Once upon a time.", firstTokenDelayMs: 80 }]);
    const chat = chain();
    const instrumentation = wire(chat);
    const stream = chat.stream(ask);
    await read(stream);
    const result = await stream.result;

    const [request] = chainSpans(otel().spans());
    expect(request?.name).toBe("understudy stream");
    expect(request?.attributes).toMatchObject({ "understudy.method": "stream", "understudy.outcome": "success" });
    const [call] = childrenOf(otel().spans(), request ?? (undefined as never));
    const firstContentMs = result.attempts[0]?.firstContentMs ?? 0;
    expect(firstContentMs).toBeGreaterThanOrEqual(80);
    expect(call?.attributes).toMatchObject({
      "gen_ai.request.stream": true,
      "gen_ai.request.model": "gpt-4.1",
      "gen_ai.response.time_to_first_chunk": firstContentMs / 1000,
      "gen_ai.usage.output_tokens": result.usage.outputTokens,
    });
    const ttfc = await otel().points("gen_ai.client.operation.time_to_first_chunk");
    expect(ttfc).toHaveLength(1);
    expect(histogramSum(ttfc)).toEqual([firstContentMs / 1000]);
    expect(ttfc[0]?.attributes).toMatchObject({ "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4.1" });
    expect(instrumentation.openRequests).toBe(0);
  });

  it("a cut after content restarts on the next model: a reset event on the chain span, an estimate never counted as tokens", async () => {
    server().script("gpt-4.1", [faults.midStreamError("overloaded", 2)]);
    server().script("claude-haiku-4-5", [{ text: "A fresh start." }]);
    const chat = chain();
    const instrumentation = wire(chat);
    const parts = await read(chat.stream(ask, { midStream: "restart" }));
    expect(parts.filter((part) => part.type === "reset")).toHaveLength(1);

    const spans = otel().spans();
    const [request] = chainSpans(spans);
    expect(request?.attributes).toMatchObject({
      "understudy.outcome": "success",
      "understudy.reset_count": 1,
      "understudy.fallback_count": 1,
      "understudy.answer.model": "anthropic:claude-haiku-4-5",
    });
    expect(request?.events.map((event) => event.name)).toEqual(["understudy.fallback", "understudy.reset"]);
    expect(request?.events[1]?.attributes).toEqual({ "understudy.model": "openai:gpt-4.1", "understudy.reason": "overloaded" });

    const [cut, answer] = childrenOf(spans, request ?? (undefined as never));
    expect(cut?.status.code).toBe(SpanStatusCode.ERROR);
    expect(cut?.attributes).toMatchObject({ "error.type": "overloaded", "understudy.usage.estimated": true });
    expect(cut?.attributes["gen_ai.response.time_to_first_chunk"]).toBeGreaterThanOrEqual(0);
    expect(answer?.attributes).toMatchObject({ "gen_ai.provider.name": "anthropic", "gen_ai.request.stream": true });

    // The conventions forbid reporting estimated tokens: only the answer's are counted.
    const tokens = await otel().points("gen_ai.client.token.usage");
    expect(new Set(tokens.map((point) => point.attributes["gen_ai.request.model"]))).toEqual(new Set(["claude-haiku-4-5"]));
    expect(instrumentation.openRequests).toBe(0);
  });

  it("a consumer that stops reading ends the request as cancelled, not failed, and leaves nothing behind", async () => {
    server().script("gpt-4.1", [{ text: "one two three four five six", tokenDelayMs: 5 }]);
    const chat = chain();
    const instrumentation = wire(chat);
    const stream = chat.stream(ask);
    for await (const part of stream) if (part.type === "text-delta") break;
    await stream.result.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));

    const spans = otel().spans();
    const [request] = chainSpans(spans);
    expect(request?.attributes).toMatchObject({ "understudy.outcome": "cancelled", "understudy.attempt_count": 1 });
    expect(request?.status.code).toBe(SpanStatusCode.UNSET);
    const [call] = childrenOf(spans, request ?? (undefined as never));
    expect(call?.attributes).toMatchObject({ "understudy.attempt.outcome": "cancelled", "error.type": "aborted" });
    expect(call?.status.code).toBe(SpanStatusCode.UNSET);
    // On the metrics, a cancelled call is no model error: no error.type, and says it was cancelled.
    const durations = await otel().points("gen_ai.client.operation.duration");
    expect(durations).toHaveLength(1);
    expect(durations[0]?.attributes["error.type"]).toBeUndefined();
    expect(durations[0]?.attributes["understudy.attempt.outcome"]).toBe("cancelled");
    expect(instrumentation.openRequests).toBe(0);
  });

  it("a stream interrupted after content fails the request with error.type stream_interrupted", async () => {
    server().script("gpt-4.1", [faults.midStreamError("server", 2)]);
    const chat = chain();
    const instrumentation = wire(chat);
    await expect(read(chat.stream(ask))).rejects.toThrow();
    const [request] = chainSpans(otel().spans());
    expect(request?.status.code).toBe(SpanStatusCode.ERROR);
    expect(request?.attributes).toMatchObject({
      "understudy.outcome": "failure",
      "error.type": "stream_interrupted",
      "understudy.error.kind": "server",
    });
    expect(instrumentation.openRequests).toBe(0);
  });
});
