import { describe, expect, it } from "vitest";
import { isModelError, ModelError } from "../errors/model-error.ts";
import type { ChatRequest } from "../spec/chat-request.ts";
import type { StreamPart } from "../spec/stream-part.ts";
import { zeroUsage } from "../spec/usage.ts";
import { type SdkAdapterSpec, sdkAdapter } from "./sdk-adapter.ts";

/** The smallest SDK: a client whose calls do what the test says. */
class FakeSdkError extends Error {}
interface FakeClient {
  readonly key: string;
  call: (body: unknown) => unknown;
}

const request: ChatRequest = { messages: [{ role: "user", content: "hi" }] };
const signal = new AbortController().signal;
const key = "sk-fake-0123456789abcdefghij";

function adapter(overrides: Partial<SdkAdapterSpec<FakeClient, unknown, StreamPart>> & { call?: (body: unknown) => unknown }) {
  let made = 0;
  const spec: SdkAdapterSpec<FakeClient, unknown, StreamPart> = {
    provider: "fake",
    modelId: "fake-1",
    keyHint: "pass apiKey or set FAKE_API_KEY",
    makeClient: () => {
      made++;
      return { key, call: overrides.call ?? (() => ({ text: "ok" })) };
    },
    secrets: (client) => [client?.key],
    translate: (chat) => ({ messages: chat.messages }),
    send: async (client, body) => ({ data: client.call(body), requestId: "req_1" }),
    open: async (client, body) => ({ data: client.call(body) as AsyncIterable<StreamPart>, requestId: "req_1" }),
    answer: (data) => ({ text: (data as { text: string }).text, toolCalls: [], finishReason: "stop", usage: zeroUsage }),
    parts: (chunks) => chunks,
    classify: (error) => new ModelError({ kind: "server", message: `classified: ${(error as Error).message}` }),
    isSdkError: (error) => error instanceof FakeSdkError,
    ...overrides,
  };
  return { model: sdkAdapter(spec), made: () => made };
}

async function failureOf(promise: Promise<unknown>): Promise<ModelError> {
  const error = await promise.catch((e: unknown) => e);
  if (!isModelError(error)) throw new Error(`expected a ModelError, got ${String(error)}`);
  return error;
}

describe("sdkAdapter", () => {
  it("makes its client once, at the first call, and answers through the wire mapping", async () => {
    const { model, made } = adapter({});
    expect(made()).toBe(0);
    expect((await model.generate(request, { signal })).text).toBe("ok");
    await model.generate(request, { signal });
    expect(made()).toBe(1);
  });

  it("a client that cannot be made is auth, naming where the key comes from", async () => {
    const { model } = adapter({
      makeClient: () => {
        throw new Error("no key");
      },
    });
    const error = await failureOf(model.generate(request, { signal }));
    expect(error).toMatchObject({ kind: "auth", provider: "fake" });
    expect(error.message).toMatch(/pass apiKey or set FAKE_API_KEY/);
  });

  it("a request it cannot translate is the caller's fault, invalid_request", async () => {
    const { model } = adapter({
      translate: () => {
        throw new TypeError("no such role");
      },
    });
    expect(await failureOf(model.generate(request, { signal }))).toMatchObject({ kind: "invalid_request" });
  });

  it("a 200 whose body the SDK cannot parse is a server fault, not a connection one", async () => {
    const { model } = adapter({
      call: () => {
        throw new SyntaxError("Unexpected token <");
      },
    });
    expect(await failureOf(model.generate(request, { signal }))).toMatchObject({ kind: "server" });
  });

  it("a body the SDK cannot serialise is invalid_request; the SDK's own errors go to the classifier", async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const serialising = adapter({
      translate: () => circular,
      call: (body) => JSON.stringify(body),
    });
    expect(await failureOf(serialising.model.generate(request, { signal }))).toMatchObject({ kind: "invalid_request" });
    const sdkFailure = adapter({
      call: () => {
        throw new FakeSdkError("503 overloaded");
      },
    });
    const error = await failureOf(sdkFailure.model.generate(request, { signal }));
    expect(error.message).toBe("classified: 503 overloaded");
  });

  it("streams the mapped parts, and fails a stream that cannot open as generate would", async () => {
    async function* parts(): AsyncGenerator<StreamPart> {
      yield { type: "text-delta", text: "hi" };
      yield { type: "finish", finishReason: "stop", usage: zeroUsage };
    }
    const { model } = adapter({ call: () => parts() });
    const seen: string[] = [];
    for await (const part of model.stream(request, { signal })) seen.push(part.type);
    expect(seen).toEqual(["text-delta", "finish"]);
    const failing = adapter({
      makeClient: () => {
        throw new Error("no key");
      },
    });
    const iterator = failing.model.stream(request, { signal })[Symbol.asyncIterator]();
    expect(await failureOf(iterator.next())).toMatchObject({ kind: "auth" });
  });
});
