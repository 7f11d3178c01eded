import Anthropic from "@anthropic-ai/sdk";
import { faults } from "@understudy/testing";
import { findSecret, runSecretLeakDrill, secretLeakSteps, useFaultServer } from "@understudy/testing/vitest";
import { expect, it } from "vitest";
import { anthropic } from "./anthropic.ts";

const server = useFaultServer();
const sentinel = "sk-ant-api03-SENTINEL0123456789abcdefXYZ";

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
  expect(findSecret(sentinel, seen)).toEqual([]);
});
