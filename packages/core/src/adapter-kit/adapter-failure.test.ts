import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ModelError } from "../errors/model-error.ts";
import {
  bodyExcerpt,
  describeThrown,
  malformedAnswer,
  maxBodyExcerpt,
  maxProviderText,
  redactModelError,
  unexpectedFailure,
  unserialisableRequest,
  untranslatableRequest,
} from "./adapter-failure.ts";

const key = "sk-proj-SENTINEL0123456789abcdefXYZ";
const middle = key.slice(12, 24);
const source = { provider: "openai", model: "gpt-test", secrets: [key] };

describe("redactModelError", () => {
  it("redacts every field that carries provider text, and keeps only a sanitised copy of the cause", () => {
    const cause = new Error(`upstream said ${middle}`);
    Object.assign(cause, { headers: { authorization: `Bearer ${key}` } });
    const error = new ModelError({
      kind: "rate_limit",
      provider: "openai",
      model: "gpt-test",
      status: 429,
      retryAfterMs: 1_000,
      message: `429 key ${key.slice(8)} rejected`,
      providerMessage: `key ${middle}`,
      providerCode: `code_${middle}`,
      requestId: `req_${middle}`,
      cause,
    });
    const clean = redactModelError(error, source.secrets);
    expect(clean).toMatchObject({
      kind: "rate_limit",
      status: 429,
      retryAfterMs: 1_000,
      provider: "openai",
      model: "gpt-test",
      message: "429 key [redacted] rejected",
      providerMessage: "key [redacted]",
      providerCode: "code_[redacted]",
      requestId: "req_[redacted]",
    });
    expect((clean.cause as Error).message).toBe("upstream said [redacted]");
    expect(inspect(clean, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(middle.slice(0, 8));
  });
});

describe("provider text is bounded", () => {
  it("a provider that echoes a whole page into its error gives a failure of bounded size, still redacted", () => {
    const page = `${"<p>lorem ipsum</p>".repeat(10_000)} key ${key}`;
    const error = new ModelError({
      kind: "server",
      message: `500 ${page}`,
      providerMessage: `${middle} ${page}`,
      providerCode: "x".repeat(5_000),
      requestId: "r".repeat(5_000),
    });
    const clean = redactModelError(error, source.secrets);
    expect(clean.message.length).toBeLessThanOrEqual(maxProviderText + 1);
    expect(clean.providerMessage?.length).toBeLessThanOrEqual(maxProviderText + 1);
    expect(clean.providerMessage?.startsWith("[redacted] ")).toBe(true);
    expect(clean.providerCode?.length).toBeLessThanOrEqual(201);
    expect(clean.requestId?.length).toBeLessThanOrEqual(201);
    expect(clean.message.endsWith("…")).toBe(true);
  });
});

describe("malformedAnswer and bodyExcerpt", () => {
  it("is a server failure quoting the body, on one line, bounded and redacted", () => {
    const html = `<html>\n<body>${middle} ${"x".repeat(1_000)}</body></html>`;
    const error = malformedAnswer(source, "a body that is not a chat completion", html, `req_${middle}`);
    expect(error.kind).toBe("server");
    expect(error.message).toMatch(/^answered 200 with a body that is not a chat completion: <html> <body>\[redacted\] x+…$/);
    expect(error.message.length).toBeLessThan(60 + maxBodyExcerpt + 1);
    expect(error.requestId).toBe("req_[redacted]");
    expect(bodyExcerpt(null, [])).toBe("null");
    expect(bodyExcerpt(undefined, [])).toBe("(empty)");
    expect(bodyExcerpt({ error: { message: "Overloaded" } }, [])).toBe('{"error":{"message":"Overloaded"}}');
  });
});

describe("requests the adapter cannot send are the caller's bug", () => {
  it("an untranslatable request is invalid_request; a deliberate ModelError is kept", () => {
    expect(untranslatableRequest(new TypeError("cannot read x"), source)).toMatchObject({ kind: "invalid_request" });
    const unsupported = new ModelError({ kind: "unsupported", message: "no tools here" });
    expect(untranslatableRequest(unsupported, source).kind).toBe("unsupported");
  });

  it("a body JSON cannot carry is invalid_request; a plain one is fine", () => {
    const circular: Record<string, unknown> = { type: "object" };
    circular.self = circular;
    expect(unserialisableRequest({ tools: [circular] }, source)?.kind).toBe("invalid_request");
    expect(unserialisableRequest({ seed: 7n }, source)?.message).toMatch(/cannot be sent as JSON: .*BigInt/);
    expect(unserialisableRequest({ model: "gpt-test", messages: [] }, source)).toBeUndefined();
  });
});

describe("anything thrown is described, never rethrown", () => {
  const hostile: [string, unknown][] = [
    ["an object without a prototype", Object.create(null)],
    [
      "an object whose toString throws",
      {
        toString: () => {
          throw new Error("no");
        },
      },
    ],
    [
      "an error whose name getter throws",
      Object.defineProperty(new Error("x"), "name", {
        get: () => {
          throw new Error("no");
        },
      }),
    ],
    [
      "an error whose message getter throws",
      Object.defineProperty(new Error(), "message", {
        get: () => {
          throw new Error("no");
        },
      }),
    ],
    ["a symbol", Symbol("s")],
  ];
  it.each(hostile)("%s becomes a classified failure", (_name, thrown) => {
    expect(describeThrown(thrown)).toEqual(expect.any(String));
    expect(unexpectedFailure(thrown, source)).toBeInstanceOf(ModelError);
    expect(untranslatableRequest(thrown, source).kind).toBe("invalid_request");
    expect(bodyExcerpt(thrown, source.secrets)).toEqual(expect.any(String));
  });
});
