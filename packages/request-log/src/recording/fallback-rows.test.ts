import { createFallback, type FallbackEvent, type ModelErrorKind } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemorySink } from "../test-support/memory-sink.ts";
import { recordRequests } from "./record-requests.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };
const kinds: (ModelErrorKind | "ok")[] = ["ok", "ok", "overloaded", "server", "rate_limit", "auth", "timeout", "invalid_request"];

describe("the rows' fallbacks are the engine's", () => {
  it("for any script of failures over three models, each row marked fellBack is one `fallback` event, in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.constantFrom(...kinds), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 3 }),
        async (scripts, maxAttempts) => {
          const models = ["a", "b", "c"].map((id, index) =>
            scriptedModel({
              modelId: id,
              script: (call) => {
                const kind = scripts[(call - 1) % scripts.length]?.[index] ?? "ok";
                return kind === "ok" ? {} : { error: kind };
              },
            }),
          );
          const chat = createFallback({
            models: models.map((model) => ({ model, retry: { maxAttempts, initialDelayMs: 1, maxDelayMs: 1 }, breaker: false })),
          });
          const sink = new MemorySink();
          recordRequests(chat, sink);
          const switches = new Map<string, FallbackEvent[]>();
          chat.on("fallback", (event) => switches.set(event.requestId, [...(switches.get(event.requestId) ?? []), event]));
          for (let i = 0; i < scripts.length; i++) await chat.generate(request).catch(() => undefined);
          await chat.close();
          expect(sink.requests).toHaveLength(scripts.length);
          for (const { record, attempts } of sink.requests) {
            const expected = (switches.get(record.requestId) ?? []).map((s) => [s.from, s.reason]);
            expect(attempts.filter((a) => a.fellBack).map((a) => [a.model, a.kind])).toEqual(expected);
            expect(record.fallbacks).toBe(expected.length);
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
