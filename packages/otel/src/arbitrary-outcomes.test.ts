import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { createFallback, type ListenerErrorEvent, type ModelErrorKind } from "@understudy/core";
import { type ScriptStep, scriptedModel } from "@understudy/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChainInstrumentation } from "./chain-instrumentation.ts";
import { useOtel } from "./test-support/otel-harness.ts";

// An async context manager for the whole file: spans must nest through awaits.
useOtel();

const kinds: readonly ModelErrorKind[] = [
  "overloaded",
  "server",
  "rate_limit",
  "connection",
  "timeout",
  "quota",
  "auth",
  "invalid_request",
  "content_filter",
  "context_length",
];

/** One call's outcome: an answer, a failure before any content, or a stream cut after some parts. */
const step: fc.Arbitrary<ScriptStep> = fc.oneof(
  fc.record({ delayMs: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ error: fc.constantFrom(...kinds), delayMs: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ error: fc.constantFrom(...kinds), afterChunks: fc.integer({ min: 1, max: 2 }), text: fc.constant("a b c d") }),
);

/** What a caller does: a `generate`, or a stream read to the end or left after some parts; maybe aborting. */
const caller = fc.record({
  method: fc.constantFrom("generate", "stream"),
  abortAfterMs: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
  stopAfter: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  midStream: fc.constantFrom("error", "restart"),
});

const plan = fc.record({
  scripts: fc.tuple(fc.array(step, { maxLength: 6 }), fc.array(step, { maxLength: 6 }), fc.array(step, { maxLength: 6 })),
  callers: fc.array(caller, { minLength: 1, maxLength: 6 }),
  maxAttempts: fc.integer({ min: 1, max: 2 }),
  breakAfter: fc.integer({ min: 1, max: 3 }),
});

describe("arbitrary outcomes", () => {
  it("never throw into a request, end every span they start, and leave no state behind", async () => {
    await fc.assert(
      fc.asyncProperty(plan, async ({ scripts, callers, maxAttempts, breakAfter }) => {
        const exporter = new InMemorySpanExporter();
        const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
        const models = scripts.map((script, index) => ({
          model: scriptedModel({ modelId: `m${index}`, script }),
          retry: { maxAttempts, initialDelayMs: 1, maxDelayMs: 2 },
          breaker: { consecutiveFailures: breakAfter, halfOpenAfterMs: 5 },
        }));
        const chat = createFallback({ models });
        const listenerErrors: ListenerErrorEvent[] = [];
        chat.on("listenerError", (event) => listenerErrors.push(event));
        let started = 0;
        let calls = 0;
        chat.on("requestStart", () => started++);
        chat.on("attempt", () => calls++);
        const instrumentation = new ChainInstrumentation(chat, { tracerProvider, captureContent: true });

        await Promise.all(
          callers.map(async ({ method, abortAfterMs, stopAfter, midStream }) => {
            const ask = { messages: [{ role: "user" as const, content: "Hi" }] };
            const caller = new AbortController();
            const timer = abortAfterMs === undefined ? undefined : setTimeout(() => caller.abort(), abortAfterMs);
            try {
              if (method === "generate") return await chat.generate(ask, { signal: caller.signal }).catch(() => undefined);
              const stream = chat.stream(ask, { midStream, signal: caller.signal });
              let seen = 0;
              try {
                for await (const _ of stream) if (stopAfter !== undefined && ++seen > stopAfter) break;
              } catch {
                // A typed failure of the request: the property is about telemetry.
              }
              return await stream.result.catch(() => undefined);
            } finally {
              clearTimeout(timer);
            }
          }),
        );
        // A stream's end is observed on its `result`, a reaction later.
        await new Promise((resolve) => setImmediate(resolve));

        expect(listenerErrors).toEqual([]);
        expect(instrumentation.openRequests).toBe(0);
        const spans = exporter.getFinishedSpans();
        const requests = spans.filter((span) => span.kind === SpanKind.INTERNAL);
        const attempts = spans.filter((span) => span.kind === SpanKind.CLIENT);
        expect(requests).toHaveLength(started);
        expect(attempts).toHaveLength(calls);
        const requestIds = new Map(requests.map((span) => [span.spanContext().spanId, span.attributes["understudy.request.id"]]));
        for (const attempt of attempts) {
          expect(requestIds.get(attempt.parentSpanContext?.spanId ?? "")).toBe(attempt.attributes["understudy.request.id"]);
        }
        for (const request of requests) {
          const own = attempts.filter((attempt) => attempt.parentSpanContext?.spanId === request.spanContext().spanId);
          expect(request.attributes["understudy.attempt_count"]).toBe(own.length);
          expect(["success", "failure", "cancelled"]).toContain(request.attributes["understudy.outcome"]);
        }
        instrumentation.unwire();
        await tracerProvider.shutdown();
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
