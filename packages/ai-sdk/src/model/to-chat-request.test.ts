import type { LanguageModelV3CallOptions, LanguageModelV3Message, LanguageModelV3Prompt } from "@ai-sdk/provider";
import { UnsupportedFunctionalityError } from "@ai-sdk/provider";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toChatRequest } from "./to-chat-request.ts";

const ask: LanguageModelV3Prompt = [{ role: "user", content: [{ type: "text", text: "Hi" }] }];
const unsupportedSettings = ["topK", "presencePenalty", "frequencyPenalty", "seed"] as const;

const metadata = fc.option(
  fc.dictionary(fc.constantFrom("google", "openai", "anthropic"), fc.dictionary(fc.string(), fc.string())),
  {
    nil: undefined,
  },
);
const message: fc.Arbitrary<LanguageModelV3Message> = fc.oneof(
  fc.record({ role: fc.constant("system" as const), content: fc.string() }),
  fc.record({
    role: fc.constant("user" as const),
    content: fc.array(fc.record({ type: fc.constant("text" as const), text: fc.string() }), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    role: fc.constant("assistant" as const),
    content: fc.array(
      fc.oneof(
        fc.record(
          { type: fc.constant("text" as const), text: fc.string(), providerOptions: metadata },
          { requiredKeys: ["type", "text"] },
        ),
        fc.record({ type: fc.constant("reasoning" as const), text: fc.string() }),
        fc.record(
          {
            type: fc.constant("tool-call" as const),
            toolCallId: fc.string({ minLength: 1 }),
            toolName: fc.constantFrom("a", "b"),
            input: fc.jsonValue(),
            providerOptions: metadata,
          },
          { requiredKeys: ["type", "toolCallId", "toolName", "input"] },
        ),
      ),
      { maxLength: 4 },
    ),
  }),
  fc.record({
    role: fc.constant("tool" as const),
    content: fc.array(
      fc.record({
        type: fc.constant("tool-result" as const),
        toolCallId: fc.string({ minLength: 1 }),
        toolName: fc.constantFrom("a", "b"),
        output: fc.oneof(
          fc.record({ type: fc.constantFrom("text" as const, "error-text" as const), value: fc.string() }),
          fc.record({ type: fc.constantFrom("json" as const, "error-json" as const), value: fc.jsonValue() }),
          fc.record({ type: fc.constant("execution-denied" as const), reason: fc.option(fc.string(), { nil: undefined }) }),
        ),
      }),
      { maxLength: 3 },
    ),
  }),
) as fc.Arbitrary<LanguageModelV3Message>;

describe("toChatRequest", () => {
  it("warns once for each setting it cannot send, and sends none of them", () => {
    const settings = fc.record(
      {
        topK: fc.integer(),
        presencePenalty: fc.double({ noNaN: true }),
        frequencyPenalty: fc.double({ noNaN: true }),
        seed: fc.integer(),
        headers: fc.dictionary(fc.constantFrom("x-a", "x-b", "user-agent"), fc.option(fc.string(), { nil: undefined })),
        temperature: fc.double({ min: 0, max: 2, noNaN: true }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(settings, (chosen) => {
        const { request, warnings } = toChatRequest({ prompt: ask, ...chosen } as LanguageModelV3CallOptions);
        const warned = warnings.flatMap((warning) => (warning.type === "unsupported" ? [warning.feature] : []));
        for (const setting of unsupportedSettings)
          expect(warned.filter((name) => name === setting)).toHaveLength(chosen[setting] === undefined ? 0 : 1);
        const callersHeaders = Object.entries(chosen.headers ?? {}).filter(
          ([name, value]) => value !== undefined && name !== "user-agent",
        );
        expect(warned.includes("headers")).toBe(callersHeaders.length > 0);
        expect(Object.keys(request)).not.toEqual(expect.arrayContaining(["topK", "seed", "headers"]));
        expect(request.temperature).toBe(chosen.temperature);
      }),
    );
  });

  it("keeps every tool call, tool result and piece of provider metadata of any prompt, and drops nothing unsaid", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 8 }), (prompt) => {
        const { request, warnings } = toChatRequest({ prompt });
        const count = (messages: readonly { content: unknown }[], type: string) =>
          messages
            .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
            .filter((part: { type: string }) => part.type === type).length;
        const promptOf = (role: string) => prompt.filter((m) => m.role === role) as { content: unknown }[];
        expect(count(request.messages, "tool-call")).toBe(count(promptOf("assistant"), "tool-call"));
        expect(count(request.messages, "tool-result")).toBe(count(promptOf("tool"), "tool-result"));
        const systems = prompt.flatMap((m) => (m.role === "system" ? [m.content] : []));
        expect(request.system).toBe(systems.length > 0 ? systems.join("\n\n") : undefined);
        // Reasoning is history no adapter can send back: it is dropped, and the call says so.
        if (count(promptOf("assistant"), "reasoning") > 0) expect(JSON.stringify(warnings)).toContain("reasoning");
        const sentMetadata = request.messages.flatMap((m) =>
          Array.isArray(m.content)
            ? m.content.flatMap((part) => ("providerMetadata" in part && part.providerMetadata ? [part.providerMetadata] : []))
            : [],
        );
        const givenMetadata = prompt.flatMap((m) =>
          m.role === "assistant"
            ? m.content.flatMap((part) =>
                part.type !== "reasoning" && part.providerOptions && Object.keys(part.providerOptions).length > 0
                  ? [part.providerOptions]
                  : [],
              )
            : [],
        );
        expect(sentMetadata).toEqual(givenMetadata);
      }),
    );
  });

  it("takes images by URL or as base64, and refuses other files with the AI SDK's error naming the part", () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const { request } = toChatRequest({
      prompt: [
        {
          role: "user",
          content: [
            { type: "file", data: new URL("https://example.com/cat.png"), mediaType: "image/png" },
            { type: "file", data: png, mediaType: "image/*" },
          ],
        },
      ],
    });
    expect(request.messages[0]?.content).toEqual([
      { type: "image", url: "https://example.com/cat.png" },
      { type: "image", data: Buffer.from(png).toString("base64"), mediaType: "image/png" },
    ]);
    const pdf = () =>
      toChatRequest({ prompt: [{ role: "user", content: [{ type: "file", data: "JVBERi0=", mediaType: "application/pdf" }] }] });
    expect(pdf).toThrow(UnsupportedFunctionalityError);
    // `ai` 7 passes a provider's file reference through its v3 wrapper as an object.
    const reference = { type: "reference", reference: { openai: "file-abc" } } as unknown as Uint8Array;
    const byReference = () =>
      toChatRequest({ prompt: [{ role: "user", content: [{ type: "file", data: reference, mediaType: "image/png" }] }] });
    expect(byReference).toThrow(UnsupportedFunctionalityError);
    expect(pdf).toThrow(/prompt\[0\]\.content\[0\].*application\/pdf/);
  });

  it("splits providerOptions: understudy's key is the chain's, the rest goes to the adapters", () => {
    const { request, understudyOptions } = toChatRequest({
      prompt: ask,
      providerOptions: { understudy: { models: ["a"] }, openai: { reasoning_effort: "low" } },
    });
    expect(understudyOptions).toEqual({ models: ["a"] });
    expect(request.providerOptions).toEqual({ openai: { reasoning_effort: "low" } });
  });
});
