import { describe, expect, it } from "vitest";
import { genAiFinishReason, requestAttributes } from "./request-attributes.ts";

describe("requestAttributes", () => {
  it("records only the parameters the request sets", () => {
    expect(requestAttributes({ messages: [] })).toEqual({});
    expect(
      requestAttributes({
        messages: [],
        maxTokens: 5,
        temperature: 0,
        topP: 1,
        stopSequences: ["x"],
        responseFormat: { type: "json" },
      }),
    ).toEqual({
      "gen_ai.request.max_tokens": 5,
      "gen_ai.request.temperature": 0,
      "gen_ai.request.top_p": 1,
      "gen_ai.request.stop_sequences": ["x"],
      "gen_ai.output.type": "json",
    });
  });

  it("names finish reasons as the output-message schema does", () => {
    expect(
      ["stop", "length", "tool-calls", "content-filter", "other"].map((reason) => genAiFinishReason(reason as never)),
    ).toEqual(["stop", "length", "tool_call", "content_filter", "other"]);
  });
});
