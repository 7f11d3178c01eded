import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { instantFetch } from "./instant-fetch.ts";

describe("instantFetch", () => {
  const client = new OpenAI({ apiKey: "test", baseURL: "http://instant.invalid/v1", maxRetries: 0, fetch: instantFetch });
  const ask = (model: string) => client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });

  it("answers the openai SDK at once, without a socket", async () => {
    const completion = await ask("primary");
    expect(completion.choices[0]?.message.content).toBe("Io.");
  });

  it("fails models named down… with a 503 the SDK reports as such", async () => {
    await expect(ask("down")).rejects.toMatchObject({ status: 503 });
  });

  it("refuses streams, which go to the fault server", async () => {
    const failure = await client.chat.completions
      .create({ model: "primary", messages: [], stream: true })
      .catch((error) => error);
    // The SDK reports a failing fetch as a connection error, with ours as its cause.
    expect(failure.cause?.message).toMatch(/non-streamed calls only/);
  });
});
