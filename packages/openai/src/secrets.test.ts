import { faults } from "@understudy/testing";
import {
  expectModelError,
  findSecret,
  readAdapterStream,
  runSecretLeakDrill,
  secretLeakSteps,
  useFaultServer,
} from "@understudy/testing/vitest";
import OpenAI from "openai";
import { expect, it } from "vitest";
import { openai } from "./openai.ts";

const server = useFaultServer();
const sentinel = "sk-proj-SENTINEL0123456789abcdefXYZ";
// Any piece of 8 characters (core's `minSecretFragment`) or more of the key is a leak.
const fragments = { minFragment: 8 };
const ask = { messages: [{ role: "user" as const, content: "hi" }] };

it("the server really echoes the key: the bare SDK's error carries it", async () => {
  server().script("gpt-test", [{ ...faults.unauthorized(), echoApiKey: true }]);
  const client = new OpenAI({ apiKey: sentinel, baseURL: server().openaiBaseURL, maxRetries: 0 });
  const error = await client.chat.completions
    .create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] })
    .catch((e: unknown) => e);
  expect(findSecret(sentinel, [error])).toEqual([0]);
});

it("the server really echoes pieces of the key: in the message, the code and the request id", async () => {
  server().script("gpt-test", [
    { ...faults.rateLimit(), echoApiKey: { part: "middle", in: ["message", "code", "request-id"] } },
    { ...faults.unauthorized(), echoApiKey: { part: "unprefixed" } },
  ]);
  const client = new OpenAI({ apiKey: sentinel, baseURL: server().openaiBaseURL, maxRetries: 0 });
  const create = () => client.chat.completions.create({ model: "gpt-test", ...ask }).catch((e: unknown) => e);
  const middle = (await create()) as InstanceType<typeof OpenAI.APIError>;
  const piece = sentinel.slice(11, 23);
  expect([middle.message, middle.code, middle.requestID].map((field) => String(field).includes(piece))).toEqual([
    true,
    true,
    true,
  ]);
  const unprefixed = await create();
  expect(findSecret(sentinel, [unprefixed])).toEqual([]);
  expect(findSecret(sentinel, [unprefixed], fragments)).toEqual([0]);
});

it("never lets the API key out through errors, events or logs, on any error path", async () => {
  const seen = await runSecretLeakDrill(server(), (logger) =>
    openai("gpt-test", { apiKey: sentinel, baseURL: server().openaiBaseURL, logger }),
  );
  expect(seen.length).toBeGreaterThan(secretLeakSteps.length * 2);
  expect(findSecret(sentinel, seen, fragments)).toEqual([]);
});

it("redacts the response and request ids of an answer, streamed or not", async () => {
  const echo = { echoApiKey: { part: "middle", in: ["response-id", "request-id"] } } as const;
  server().script("gpt-test", [echo, echo]);
  const adapter = openai("gpt-test", { apiKey: sentinel, baseURL: server().openaiBaseURL });
  const response = await adapter.generate(ask, { signal: new AbortController().signal });
  expect(response).toMatchObject({ responseId: "chatcmpl-[redacted]", requestId: "req_[redacted]" });
  const { parts } = await readAdapterStream(adapter, ask);
  expect(parts.at(-1)).toMatchObject({ type: "finish", responseId: "chatcmpl-[redacted]", requestId: "req_[redacted]" });
  expect(findSecret(sentinel, [response, parts], fragments)).toEqual([]);
});

it("redacts every field of an error that a piece of the key reaches", async () => {
  server().script("gpt-test", [
    { ...faults.rateLimit(), echoApiKey: { part: "unprefixed", in: ["message", "code", "request-id"] } },
  ]);
  const adapter = openai("gpt-test", { apiKey: sentinel, baseURL: server().openaiBaseURL });
  const error = await expectModelError(adapter.generate(ask, { signal: new AbortController().signal }));
  expect(error).toMatchObject({ kind: "rate_limit", providerCode: "[redacted]", requestId: "req_[redacted]" });
  expect(error.providerMessage).toMatch(/^key \[redacted\] rejected: /);
  expect(findSecret(sentinel, [error], fragments)).toEqual([]);
});
