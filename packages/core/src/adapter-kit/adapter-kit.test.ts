import { describe, expect, it } from "vitest";
import { redactSecrets, retryAfterMs, toolCallFromText } from "../adapter-kit.ts";

const headers = (entries: Record<string, string>) => new Headers(entries);

describe("retryAfterMs", () => {
  const now = Date.parse("2026-11-26T10:00:00Z");
  it.each<[Record<string, string>, number | undefined]>([
    [{ "retry-after-ms": "1500" }, 1_500],
    [{ "retry-after": "7" }, 7_000],
    [{ "retry-after": "0.5" }, 500],
    [{ "retry-after": "Thu, 26 Nov 2026 10:00:30 GMT" }, 30_000],
    [{ "retry-after": "Thu, 26 Nov 2026 09:00:00 GMT" }, 0],
    [{ "retry-after-ms": "250", "retry-after": "9" }, 250],
    [{ "retry-after": "soon" }, undefined],
    [{ "x-ratelimit-reset-requests": "6m0s" }, undefined],
    [{}, undefined],
  ])("%j → %s", (entries, expected) => {
    expect(retryAfterMs(headers(entries), now)).toBe(expected);
  });
});

describe("toolCallFromText", () => {
  it("parses arguments, and reports invalid JSON without throwing", () => {
    expect(toolCallFromText("c", "t", '{"a":1}')).toEqual({ id: "c", name: "t", args: { a: 1 }, argsText: '{"a":1}' });
    expect(toolCallFromText("c", "t", "").args).toEqual({});
    const broken = toolCallFromText("c", "t", '{"a":');
    expect(broken.args).toBeUndefined();
    expect(broken.argsError).toMatch(/JSON/);
  });
});

describe("redactSecrets", () => {
  it("removes the given keys and anything shaped like a provider key", () => {
    expect(redactSecrets("bad key my-secret-value", ["my-secret-value"])).toBe("bad key [redacted]");
    expect(redactSecrets("Incorrect API key provided: sk-proj-abcdef123456")).toBe("Incorrect API key provided: [redacted]");
    expect(redactSecrets("sk-ant-api03-XYZxyz_0123456789 rejected")).toBe("[redacted] rejected");
    expect(redactSecrets("sk-****wxyz is fine")).toBe("sk-****wxyz is fine");
  });
});
