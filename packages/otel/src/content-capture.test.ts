import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { type ChatRequest, createFallback } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { describe, expect, it, vi } from "vitest";
import { ContentCapture, truncationMarker } from "./content/captured-content.ts";
import { instrument } from "./index.ts";
import { chainSpans, childrenOf, useOtel } from "./test-support/otel-harness.ts";

const otel = useOtel();
const pastedKey = "sk-proj-Zx81Qq0o9LmNbVcXz1234567890abcd";
const ownSecret = "corp-db-password-7f3a9c2e";

const request: ChatRequest = {
  system: "You are a support agent.",
  messages: [
    { role: "user", content: `My key is ${pastedKey}, why does it fail? Also ${ownSecret}.` },
    {
      role: "assistant",
      content: [
        { type: "text", text: "Let me look it up." },
        { type: "tool-call", id: "call_1", name: "lookup", args: { key: pastedKey } },
      ],
    },
    { role: "tool", content: [{ type: "tool-result", toolCallId: "call_1", toolName: "lookup", result: { valid: false } }] },
    {
      role: "user",
      content: [
        { type: "text", text: "Here is a screenshot." },
        { type: "image", url: "https://example.com/shot.png" },
        { type: "image", data: "iVBORw0KGgo=", mediaType: "image/png" },
      ],
    },
  ],
};

function chat() {
  const model = scriptedModel({
    modelId: "gpt-4.1",
    provider: "openai",
    script: [{ text: `Your key ${pastedKey} was revoked.`, toolCalls: [{ id: "call_2", name: "notify", args: { to: "ops" } }] }],
  });
  return createFallback({ models: [{ model }] });
}

/** Everything a span carries, as text. */
const textOf = (span: ReadableSpan) => JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events });

describe("content capture", () => {
  it("is off by default: no prompt, answer or system prompt on any span", async () => {
    const fallback = chat();
    instrument(fallback, { tracerProvider: otel().tracerProvider });
    await fallback.generate(request);
    const spans = otel().spans();
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(Object.keys(span.attributes).filter((key) => /messages|instructions/.test(key))).toEqual([]);
      expect(textOf(span)).not.toContain("support agent");
      expect(textOf(span)).not.toContain(pastedKey.slice(8, 20));
    }
  });

  it("when on, records the conventions' JSON messages, with keys and the app's secrets redacted everywhere", async () => {
    const fallback = chat();
    instrument(fallback, { tracerProvider: otel().tracerProvider, captureContent: true, secrets: [ownSecret] });
    await fallback.generate(request);
    const spans = otel().spans();
    const [call] = childrenOf(spans, chainSpans(spans)[0] ?? (undefined as never));

    expect(JSON.parse(String(call?.attributes["gen_ai.system_instructions"]))).toEqual([
      { type: "text", content: "You are a support agent." },
    ]);
    expect(JSON.parse(String(call?.attributes["gen_ai.input.messages"]))).toEqual([
      { role: "user", parts: [{ type: "text", content: "My key is [redacted], why does it fail? Also [redacted]." }] },
      {
        role: "assistant",
        parts: [
          { type: "text", content: "Let me look it up." },
          { type: "tool_call", id: "call_1", name: "lookup", arguments: { key: "[redacted]" } },
        ],
      },
      { role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: { valid: false } }] },
      {
        role: "user",
        parts: [
          { type: "text", content: "Here is a screenshot." },
          { type: "uri", modality: "image", uri: "https://example.com/shot.png" },
          // Image bytes are never recorded.
          { type: "blob", modality: "image", mime_type: "image/png", content: "" },
        ],
      },
    ]);
    expect(JSON.parse(String(call?.attributes["gen_ai.output.messages"]))).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "text", content: "Your key [redacted] was revoked." },
          { type: "tool_call", id: "call_2", name: "notify", arguments: { to: "ops" } },
        ],
        finish_reason: "tool_call",
      },
    ]);
    for (const span of spans) {
      expect(textOf(span)).not.toContain(pastedKey.slice(8, 20));
      expect(textOf(span)).not.toContain(ownSecret.slice(5, 15));
    }
  });
});

describe("content capture, bounded", () => {
  it("builds a request's input once, cut to maxContentChars, and every call span shares it", async () => {
    const big = "lorem ipsum dolor sit amet ".repeat(200_000);
    const primary = scriptedModel({ modelId: "primary", default: { error: "overloaded" } });
    const backup = scriptedModel({ modelId: "backup" });
    const fallback = createFallback({ models: [{ model: primary, retry: { maxAttempts: 2 } }, { model: backup }] });
    const input = vi.spyOn(ContentCapture.prototype, "input");
    instrument(fallback, { tracerProvider: otel().tracerProvider, captureContent: true, maxContentChars: 1_000 });
    await fallback.generate({ messages: [{ role: "user", content: big }] });
    expect(input).toHaveBeenCalledTimes(1);
    input.mockRestore();

    const calls = otel()
      .spans()
      .filter((span) => span.name.startsWith("chat "));
    expect(calls).toHaveLength(3);
    const values = new Set(calls.map((span) => span.attributes["gen_ai.input.messages"]));
    expect(values.size).toBe(1);
    const [value] = values;
    expect(JSON.parse(String(value))).toEqual([
      { role: "user", parts: [{ type: "text", content: big.slice(0, 1_000) + truncationMarker(big.length - 1_000) }] },
    ]);
  });

  it("refuses a maxContentChars that is not a count of characters", () => {
    const fallback = chat();
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => instrument(fallback, { captureContent: true, maxContentChars: bad })).toThrow(RangeError);
    }
  });
});
