import { faults } from "@understudy/testing";
import { findSecret, runSecretLeakDrill, secretLeakSteps, useFaultServer } from "@understudy/testing/vitest";
import OpenAI from "openai";
import { expect, it } from "vitest";
import { openai } from "./openai.ts";

const server = useFaultServer();
const sentinel = "sk-proj-SENTINEL0123456789abcdefXYZ";

it("the server really echoes the key: the bare SDK's error carries it", async () => {
  server().script("gpt-test", [{ ...faults.unauthorized(), echoApiKey: true }]);
  const client = new OpenAI({ apiKey: sentinel, baseURL: server().openaiBaseURL, maxRetries: 0 });
  const error = await client.chat.completions
    .create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] })
    .catch((e: unknown) => e);
  expect(findSecret(sentinel, [error])).toEqual([0]);
});

it("never lets the API key out through errors, events or logs, on any error path", async () => {
  const seen = await runSecretLeakDrill(server(), (logger) =>
    openai("gpt-test", { apiKey: sentinel, baseURL: server().openaiBaseURL, logger }),
  );
  expect(seen.length).toBeGreaterThan(secretLeakSteps.length * 2);
  expect(findSecret(sentinel, seen)).toEqual([]);
});
