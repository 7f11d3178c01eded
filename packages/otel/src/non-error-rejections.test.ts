import { SpanStatusCode } from "@opentelemetry/api";
import { createFallback, type Fallback, type HealthStore, InMemoryHealthStore } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { ChainInstrumentation } from "./chain-instrumentation.ts";
import { chainSpans, useOtel } from "./test-support/otel-harness.ts";

const otel = useOtel();
const ask = { messages: [{ role: "user" as const, content: "Hi" }] };
const thrown = "redis: connection lost to sk-proj-Zx81Qq0o9LmNbVcXz1234567890abcd";

/** A shared health store whose probe lease fails as a client library may: with a string. */
function storeRejectingProbes(): HealthStore {
  const local = new InMemoryHealthStore();
  return {
    read: (modelId) => local.read(modelId),
    write: (modelId, record) => local.write(modelId, record),
    acquireProbe: () => Promise.reject(thrown),
  };
}

/** A chain whose breaker is open and due a probe, so that its next request rejects with the store's string. */
async function chainDueAProbe(): Promise<Fallback> {
  const model = scriptedModel({ modelId: "m", script: [{ error: "overloaded" }], default: { text: "ok" } });
  const chat = createFallback({
    models: [{ model, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 1 } }],
    healthStore: storeRejectingProbes(),
  });
  await chat.generate(ask).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 5));
  return chat;
}

/** Drops the chain's `failure` events, as an engine that emitted none for a non-Error did. */
function withoutFailureEvents(chat: Fallback): void {
  const emit = chat.emit.bind(chat) as (event: string, payload: unknown) => boolean;
  const filtered = (event: string, payload: unknown) => (event === "failure" ? false : emit(event, payload));
  chat.emit = filtered as Fallback["emit"];
}

async function expectEndedAsFailure(instrumentation: ChainInstrumentation): Promise<void> {
  expect(instrumentation.openRequests).toBe(0);
  const [request] = chainSpans(otel().spans()).filter((span) => span.attributes["understudy.attempt_count"] === 0);
  expect(request?.attributes).toMatchObject({ "understudy.outcome": "failure", "error.type": "_OTHER" });
  expect(request?.status.code).toBe(SpanStatusCode.ERROR);
  expect(request?.status.message).toContain("redis: connection lost");
  expect(request?.status.message).not.toContain("Zx81Qq0o9LmN");
}

describe("a request rejected with something other than an Error", () => {
  it("generate: its trace ends, as failed", async () => {
    const chat = await chainDueAProbe();
    const instrumentation = new ChainInstrumentation(chat, { tracerProvider: otel().tracerProvider });
    await expect(chat.generate(ask)).rejects.toBe(thrown);
    await expectEndedAsFailure(instrumentation);
  });

  it("generate, with an engine that emits no failure for it: the settled promise ends the trace", async () => {
    const chat = await chainDueAProbe();
    withoutFailureEvents(chat);
    const instrumentation = new ChainInstrumentation(chat, { tracerProvider: otel().tracerProvider });
    await expect(chat.generate(ask)).rejects.toBe(thrown);
    await expectEndedAsFailure(instrumentation);
  });

  it("stream, with an engine that emits no failure for it: the settled result ends the trace", async () => {
    const chat = await chainDueAProbe();
    withoutFailureEvents(chat);
    const instrumentation = new ChainInstrumentation(chat, { tracerProvider: otel().tracerProvider });
    const stream = chat.stream(ask);
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toBe(thrown);
    await expect(stream.result).rejects.toBe(thrown);
    await new Promise((resolve) => setImmediate(resolve));
    await expectEndedAsFailure(instrumentation);
  });
});
