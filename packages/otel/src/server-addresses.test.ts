import { createFallback, type ModelAdapter } from "@understudy/core";
import { openai } from "@understudy/openai";
import { FaultServer } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { ChainInstrumentation } from "./chain-instrumentation.ts";
import { useOtel } from "./test-support/otel-harness.ts";

const otel = useOtel();
const apiKey = "sk-sentinel-0123456789abcdefghij";
const ask = { messages: [{ role: "user" as const, content: "q" }] };

/** An adapter whose call starts background work on a timer (a beacon, a token refresh) that fetches another host. */
function withBackgroundFetch(
  inner: ModelAdapter,
  url: string,
  afterMs: number,
): { adapter: ModelAdapter; fetched: Promise<void> } {
  const { promise: fetched, resolve } = Promise.withResolvers<void>();
  const adapter: ModelAdapter = {
    ...inner,
    provider: inner.provider,
    modelId: inner.modelId,
    generate: (request, options) => {
      setTimeout(
        () =>
          void fetch(url).then(
            () => resolve(),
            () => resolve(),
          ),
        afterMs,
      );
      return inner.generate(request, options);
    },
    stream: (request, options) => inner.stream(request, options),
  };
  return { adapter, fetched };
}

describe("server.address and server.port", () => {
  it("are where the call's own request went: a later fetch in its async context does not overwrite them", async () => {
    const api = await FaultServer.start();
    const other = await FaultServer.start();
    try {
      api.script("gpt-4.1", () => ({ text: "hi", delayMs: 100 }));
      const { adapter, fetched } = withBackgroundFetch(
        openai("gpt-4.1", { apiKey, baseURL: api.openaiBaseURL }),
        `${other.url}/beacon`,
        30,
      );
      const chat = createFallback({ models: [{ model: adapter }] });
      new ChainInstrumentation(chat, { tracerProvider: otel().tracerProvider, meterProvider: otel().meterProvider });
      await chat.generate(ask);
      await fetched;

      const [call] = otel()
        .spans()
        .filter((span) => span.name.startsWith("chat "));
      const apiPort = Number(new URL(api.url).port);
      expect(call?.attributes["server.port"]).toBe(apiPort);
      const [duration] = await otel().points("gen_ai.client.operation.duration");
      expect(duration?.attributes["server.port"]).toBe(apiPort);
    } finally {
      await api.close();
      await other.close();
    }
  });
});
