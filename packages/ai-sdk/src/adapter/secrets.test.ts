import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import type { ModelAdapter } from "@understudy/core";
import { faults } from "@understudy/testing";
import {
  expectModelError,
  findSecret,
  readAdapterStream,
  runSecretLeakDrill,
  secretLeakSteps,
  useFaultServer,
} from "@understudy/testing/vitest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { aiSdk } from "./ai-sdk-adapter.ts";

const server = useFaultServer();
const sentinel = "sk-proj-SENTINEL0123456789abcdefXYZ";
// Any piece of 8 characters (core's `minSecretFragment`) or more of the key is a leak.
const fragments = { minFragment: 8 };
const ask = { messages: [{ role: "user" as const, content: "hi" }] };
const call = () => ({ signal: new AbortController().signal });
const openaiModel = (apiKey = sentinel) => createOpenAI({ apiKey, baseURL: server().openaiBaseURL }).chat("model-test");
const anthropicModel = () => createAnthropic({ apiKey: sentinel, baseURL: `${server().anthropicBaseURL}/v1` })("model-test");

afterEach(() => {
  vi.unstubAllEnvs();
});

/** The AI SDK logs nothing of a chunk it cannot parse (it becomes an `error` part): the drill is told so. */
const drill = (adapter: ModelAdapter) => runSecretLeakDrill(server(), () => adapter, { sdkLogsMalformedChunks: false });

describe("the drill can see a leak", () => {
  it("the server really echoes the key: the bare AI SDK's error carries it", async () => {
    server().script("model-test", [{ ...faults.unauthorized(), echoApiKey: true }]);
    const error = await Promise.resolve(
      openaiModel().doGenerate({ prompt: [{ role: "user", content: [{ type: "text", text: "hi" }] }] }),
    ).catch((e: unknown) => e);
    expect(findSecret(sentinel, [error])).toEqual([0]);
  });

  it("a key echoed without its prefix gets out when the adapter is not told the key", async () => {
    server().script("model-test", [{ ...faults.unauthorized(), echoApiKey: { part: "unprefixed" } }]);
    const error = await expectModelError(aiSdk(openaiModel()).generate(ask, call()));
    expect(findSecret(sentinel, [error], fragments)).toEqual([0]);
  });
});

describe("aiSdk never lets the API key out", () => {
  it.each([
    ["@ai-sdk/openai", openaiModel],
    ["@ai-sdk/anthropic", anthropicModel],
  ])("through errors, events or logs, on any error path (%s)", async (_name, make) => {
    const seen = await drill(aiSdk(make(), { secrets: [sentinel] }));
    expect(seen.length).toBeGreaterThan(secretLeakSteps.length * 2);
    expect(findSecret(sentinel, seen, fragments)).toEqual([]);
  });

  it("redacts the keys of the AI SDK providers' environment variables without being told", async () => {
    vi.stubEnv("OPENAI_API_KEY", sentinel);
    const seen = await drill(aiSdk(openaiModel()));
    expect(findSecret(sentinel, seen, fragments)).toEqual([]);
  });

  it("redacts the response and request ids of an answer, streamed or not", async () => {
    const echo = { echoApiKey: { part: "middle", in: ["response-id", "request-id"] } } as const;
    server().script("model-test", [echo, echo]);
    const adapter = aiSdk(openaiModel(), { secrets: [sentinel] });
    const response = await adapter.generate(ask, call());
    expect(response).toMatchObject({ responseId: "chatcmpl-[redacted]", requestId: "req_[redacted]" });
    const { parts } = await readAdapterStream(adapter, ask);
    expect(parts.at(-1)).toMatchObject({ type: "finish", responseId: "chatcmpl-[redacted]", requestId: "req_[redacted]" });
    expect(findSecret(sentinel, [response, parts], fragments)).toEqual([]);
  });

  it("redacts every field of an error that a piece of the key reaches", async () => {
    server().script("model-test", [
      { ...faults.rateLimit(), echoApiKey: { part: "unprefixed", in: ["message", "code", "request-id"] } },
    ]);
    const error = await expectModelError(aiSdk(openaiModel(), { secrets: [sentinel] }).generate(ask, call()));
    expect(error).toMatchObject({ kind: "rate_limit", providerCode: "[redacted]", requestId: "req_[redacted]" });
    expect(error.providerMessage).toMatch(/^key \[redacted\] rejected: /);
    expect(findSecret(sentinel, [error], fragments)).toEqual([]);
  });
});
