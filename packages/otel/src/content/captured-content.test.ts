import type { ChatRequest, FallbackResult } from "@understudy/core";
import { describe, expect, it } from "vitest";
import { ContentCapture, defaultMaxContentChars, truncationMarker } from "./captured-content.ts";

const inputOf = (capture: ContentCapture, request: ChatRequest) => {
  const attributes = capture.input(request);
  return {
    system: attributes["gen_ai.system_instructions"] as string | undefined,
    messages: attributes["gen_ai.input.messages"] as string | undefined,
  };
};

describe("ContentCapture: size", () => {
  it("cuts each text part to maxContentChars, with a marker, and keeps the messages valid JSON in the schema", () => {
    const capture = new ContentCapture([], 10);
    const { system, messages } = inputOf(capture, {
      system: "You are a very patient support agent.",
      messages: [
        { role: "user", content: "short" },
        { role: "user", content: [{ type: "text", text: "0123456789abcdef" }] },
      ],
    });
    expect(JSON.parse(String(system))).toEqual([{ type: "text", content: `You are a ${truncationMarker(27)}` }]);
    expect(JSON.parse(String(messages))).toEqual([
      { role: "user", parts: [{ type: "text", content: "short" }] },
      { role: "user", parts: [{ type: "text", content: `0123456789${truncationMarker(6)}` }] },
    ]);
  });

  it("bounds a 5 MB prompt before any other work: the attribute stays near the limit", () => {
    const big = "lorem ipsum dolor sit amet ".repeat(200_000);
    const capture = new ContentCapture(["sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"]);
    const { messages } = inputOf(capture, { messages: [{ role: "user", content: big }] });
    const [message] = JSON.parse(String(messages)) as { parts: { content: string }[] }[];
    const content = message?.parts[0]?.content ?? "";
    expect(content.startsWith(big.slice(0, defaultMaxContentChars))).toBe(true);
    expect(content.endsWith(truncationMarker(big.length - defaultMaxContentChars))).toBe(true);
    expect(String(messages).length).toBeLessThan(defaultMaxContentChars + 200);
  });

  it("bounds every string of tool arguments, tool results and answers the same way", () => {
    const capture = new ContentCapture([], 5);
    const { messages } = inputOf(capture, {
      messages: [
        {
          role: "assistant",
          content: [{ type: "tool-call", id: "c1", name: "search", args: { query: "abcdefgh", limit: 5, tags: ["xyzxyz"] } }],
        },
        { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "search", result: "123456789" }] },
      ],
    });
    expect(JSON.parse(String(messages))).toEqual([
      {
        role: "assistant",
        parts: [
          {
            type: "tool_call",
            id: "c1",
            name: `searc${truncationMarker(1)}`,
            arguments: { query: `abcde${truncationMarker(3)}`, limit: 5, tags: [`xyzxy${truncationMarker(1)}`] },
          },
        ],
      },
      { role: "tool", parts: [{ type: "tool_call_response", id: "c1", response: `12345${truncationMarker(4)}` }] },
    ]);
    const output = capture.output({ text: "a long answer", toolCalls: [], finishReason: "stop" } as unknown as FallbackResult);
    expect(JSON.parse(String(output["gen_ai.output.messages"]))).toEqual([
      { role: "assistant", parts: [{ type: "text", content: `a lon${truncationMarker(8)}` }], finish_reason: "stop" },
    ]);
  });

  it("never cuts a character in half, and Infinity keeps everything", () => {
    const { messages } = inputOf(new ContentCapture([], 3), { messages: [{ role: "user", content: "ab😀cd" }] });
    expect(JSON.parse(String(messages))[0].parts[0].content).toBe(`ab${truncationMarker(4)}`);
    const whole = inputOf(new ContentCapture([], Number.POSITIVE_INFINITY), { messages: [{ role: "user", content: "ab😀cd" }] });
    expect(JSON.parse(String(whole.messages))[0].parts[0].content).toBe("ab😀cd");
  });
});

describe("ContentCapture: redaction", () => {
  it("redacts a secret holding a backslash or a quote, which JSON would escape", () => {
    for (const secret of [String.raw`s3cr3t\pa55\w0rd\xyz`, 's3cr3t"pa55"w0rd"xyz']) {
      const capture = new ContentCapture([secret]);
      const { messages } = inputOf(capture, { messages: [{ role: "user", content: `db password is ${secret}` }] });
      expect(JSON.parse(String(messages))[0].parts[0].content).toBe("db password is [redacted]");
      expect(String(messages)).not.toContain("pa55");
    }
  });

  it("redacts keys of tool arguments too, and key-shaped text anywhere", () => {
    const key = "sk-proj-Zx81Qq0o9LmNbVcXz1234567890abcd";
    const { messages } = inputOf(new ContentCapture([]), {
      messages: [{ role: "assistant", content: [{ type: "tool-call", id: "c1", name: "store", args: { [key]: key } }] }],
    });
    expect(JSON.parse(String(messages))[0].parts[0].arguments).toEqual({ "[redacted]": "[redacted]" });
  });

  it("a secret cut by the limit: whatever of it is left, 8 characters or more, is still redacted", () => {
    const secret = "corp-db-password-7f3a9c2e";
    const { messages } = inputOf(new ContentCapture([secret], 20), {
      messages: [{ role: "user", content: `pw: ${secret}` }],
    });
    expect(String(messages)).not.toContain("corp-db-pass");
  });
});

describe("ContentCapture: what JSON.stringify does", () => {
  it("leaves out a conversation with a cycle or a BigInt, and honours toJSON", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const withTool = (result: unknown): ChatRequest => ({
      messages: [{ role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "t", result }] }],
    });
    const capture = new ContentCapture([]);
    expect(capture.input(withTool(cyclic))["gen_ai.input.messages"]).toBeUndefined();
    expect(capture.input(withTool({ n: 10n }))["gen_ai.input.messages"]).toBeUndefined();
    const shared = { same: "x" };
    const { messages } = inputOf(capture, withTool({ at: new Date(0), twice: [shared, shared], skip: () => 1 }));
    expect(JSON.parse(String(messages))[0].parts[0].response).toEqual({
      at: "1970-01-01T00:00:00.000Z",
      twice: [{ same: "x" }, { same: "x" }],
    });
  });
});

describe("captured images", () => {
  it("a link loses its query, fragment and user info: a signed URL's signature is a credential", () => {
    const { messages } = inputOf(new ContentCapture([]), {
      messages: [
        {
          role: "user",
          content: [
            { type: "image", url: "https://bucket.s3.amazonaws.com/shot.png?X-Amz-Signature=abcdef&X-Amz-Credential=AKIA#frag" },
            { type: "image", url: "https://user:pw@example.com/a.png" },
          ],
        },
      ],
    });
    expect(JSON.parse(String(messages))[0].parts).toEqual([
      { type: "uri", modality: "image", uri: "https://bucket.s3.amazonaws.com/shot.png" },
      { type: "uri", modality: "image", uri: "https://example.com/a.png" },
    ]);
  });
});
