import Anthropic from "@anthropic-ai/sdk";
import { faults } from "@understudy/testing";
import {
  expectModelError,
  findSecret,
  readAdapterStream,
  runSecretLeakDrill,
  secretLeakSteps,
  useFaultServer,
} from "@understudy/testing/vitest";
import { expect, it } from "vitest";
import { anthropic } from "./anthropic.ts";

const server = useFaultServer();
const sentinel = "sk-ant-api03-SENTINEL0123456789abcdefXYZ";
// Any piece of 8 characters (core's `minSecretFragment`) or more of the key is a leak.
const fragments = { minFragment: 8 };
const ask = { messages: [{ role: "user" as const, content: "hi" }] };

it("the server really echoes the key: the bare SDK's error carries it", async () => {
  server().script("claude-test", [{ ...faults.unauthorized(), echoApiKey: true }]);
  const client = new Anthropic({ apiKey: sentinel, baseURL: server().anthropicBaseURL, maxRetries: 0 });
  const error = await client.messages
    .create({ model: "claude-test", max_tokens: 10, messages: [{ role: "user", content: "hi" }] })
    .catch((e: unknown) => e);
  expect(findSecret(sentinel, [error])).toEqual([0]);
});

it("never lets the API key out through errors, events or logs, on any error path", async () => {
  const seen = await runSecretLeakDrill(server(), (logger) =>
    anthropic("claude-test", { apiKey: sentinel, baseURL: server().anthropicBaseURL, logger }),
  );
  expect(seen.length).toBeGreaterThan(secretLeakSteps.length * 2);
  expect(findSecret(sentinel, seen, fragments)).toEqual([]);
});

it("the server really echoes pieces of the key: in the message, the error type and the request id", async () => {
  server().script("claude-test", [
    { ...faults.overloaded(), echoApiKey: { part: "unprefixed", in: ["message", "code", "request-id"] } },
  ]);
  const client = new Anthropic({ apiKey: sentinel, baseURL: server().anthropicBaseURL, maxRetries: 0 });
  const error = (await client.messages
    .create({ model: "claude-test", max_tokens: 10, ...ask })
    .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
  const unprefixed = sentinel.slice("sk-ant-api03-".length);
  expect([error.message, error.type, error.requestID].map((field) => String(field).includes(unprefixed))).toEqual([
    true,
    true,
    true,
  ]);
  expect(findSecret(sentinel, [error])).toEqual([]);
});

it("redacts the response and request ids of an answer, streamed or not", async () => {
  const echo = { echoApiKey: { part: "middle", in: ["response-id", "request-id"] } } as const;
  server().script("claude-test", [echo, echo]);
  const adapter = anthropic("claude-test", { apiKey: sentinel, baseURL: server().anthropicBaseURL });
  const response = await adapter.generate(ask, { signal: new AbortController().signal });
  expect(response).toMatchObject({ responseId: "msg_[redacted]", requestId: "req_[redacted]" });
  const { parts } = await readAdapterStream(adapter, ask);
  expect(parts.at(-1)).toMatchObject({ type: "finish", responseId: "msg_[redacted]", requestId: "req_[redacted]" });
  expect(findSecret(sentinel, [response, parts], fragments)).toEqual([]);
});

it("redacts every field of an error that a piece of the key reaches", async () => {
  server().script("claude-test", [
    { ...faults.rateLimit(), echoApiKey: { part: "middle", in: ["message", "code", "request-id"] } },
  ]);
  const adapter = anthropic("claude-test", { apiKey: sentinel, baseURL: server().anthropicBaseURL });
  const error = await expectModelError(adapter.generate(ask, { signal: new AbortController().signal }));
  expect(error).toMatchObject({ kind: "rate_limit", providerCode: "[redacted]", requestId: "req_[redacted]" });
  expect(error.providerMessage).toMatch(/^key \[redacted\] rejected: /);
  expect(findSecret(sentinel, [error], fragments)).toEqual([]);
});
