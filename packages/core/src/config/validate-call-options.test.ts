import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { type CallOptions, createFallback, isRequestError } from "../index.ts";

const request = { messages: [{ role: "user" as const, content: "hi" }] };

describe("call options are as strict as config", () => {
  it.each<[string, unknown, string, RegExp]>([
    ["null options", null, "options", /must be an object, got null/],
    ["a signal that is not an AbortSignal", { signal: {} }, "options.signal", /must be an AbortSignal, got an object/],
    ["a misspelt option", { deadlinMs: 100 }, "options.deadlinMs", /Did you mean `deadlineMs`\?/],
    ["a snake_case option", { mid_stream: "error" }, "options.mid_stream", /Did you mean `midStream`\?/],
    ["a deadline as a string", { deadlineMs: "100" }, "options.deadlineMs", /got "100"/],
    ["a zero deadline", { deadlineMs: 0 }, "options.deadlineMs", /positive number, got 0/],
    [
      "a bogus midStream",
      { midStream: "bogus" },
      "options.midStream",
      /must be one of "error", "restart", "continue", got "bogus"/,
    ],
    ["tags as an array", { tags: ["a"] }, "options.tags", /must be an object of string values, got an array/],
    ["a tag that is a number", { tags: { tenant: 42 } }, "options.tags.tenant", /must be a string, got 42/],
    ["an empty tag key", { tags: { "": "x" } }, "options.tags", /has an empty key/],
    ["a tag key too long", { tags: { ["k".repeat(65)]: "x" } }, "options.tags", /key of 65 characters .*more than 64/],
    ["a tag value too long", { tags: { note: "v".repeat(257) } }, "options.tags.note", /257 characters, more than 256/],
    [
      "too many tags",
      { tags: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`t${i}`, "x"])) },
      "options.tags",
      /has 33 tags, more than 32/,
    ],
  ])(
    "%s is a RequestError naming the field, from generate and stream alike, before any call",
    async (_name, options, path, message) => {
      const model = scriptedModel({ modelId: "m" });
      const chat = createFallback({ models: [{ model }] });
      const fromGenerate = await chat.generate(request, options as CallOptions).catch((e: unknown) => e);
      let fromStream: unknown;
      try {
        chat.stream(request, options as CallOptions);
      } catch (error) {
        fromStream = error;
      }
      for (const error of [fromGenerate, fromStream]) {
        expect(isRequestError(error)).toBe(true);
        expect(error).toMatchObject({ path });
        expect((error as Error).message).toMatch(message);
      }
      expect(model.calls).toHaveLength(0);
    },
  );

  it("accepts tags at their bounds", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "m" }) }] });
    const tags = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`${i}`.padEnd(64, "k"), "v".repeat(256)]));
    expect((await chat.generate(request, { tags })).model).toBe("scripted:m");
  });

  it("accepts an AbortSignal from AbortSignal.timeout and any.", async () => {
    const chat = createFallback({ models: [{ model: scriptedModel({ modelId: "m" }) }] });
    const signal = AbortSignal.any([new AbortController().signal]);
    expect((await chat.generate(request, { signal })).model).toBe("scripted:m");
  });
});
