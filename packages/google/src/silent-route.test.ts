import { createFallback } from "@understudy/core";
import { useFaultServer } from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";
import { google } from "./google.ts";

const server = useFaultServer();
const ask = { messages: [{ role: "user" as const, content: "Hi" }] };
const apiKey = "AIzaSyC-silent-route-0123456789abcdefgh";

describe("a silent route through the real SDK", () => {
  // The server holds the request in silence, then resets the socket: what a
  // load balancer does when it gives up on a stuck upstream.
  const silentThenDropped = { delayMs: 700, resetConnection: true };

  it.each(["generate", "stream"] as const)("%s: is a timeout, not retried, and the backup answers", async (method) => {
    server().script("silent", [silentThenDropped, silentThenDropped]);
    const adapter = (id: string) => google(id, { apiKey, baseURL: server().geminiBaseURL });
    const chat = createFallback({
      models: [
        // The drop comes after more than half of the timer guarding the silence.
        { model: adapter("silent"), timeout: { attemptMs: 1_000, firstTokenMs: 1_000 } },
        { model: adapter("backup") },
      ],
    });
    let result: Awaited<ReturnType<typeof chat.generate>>;
    if (method === "generate") result = await chat.generate(ask);
    else {
      const stream = chat.stream(ask);
      for await (const _ of stream);
      result = await stream.result;
    }
    expect(result.model).toBe("google:backup");
    expect(server().requestsFor("silent")).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({ model: "google:silent", kind: "timeout" });
    expect(result.attempts[0]?.message).toMatch(/silent for \d+ ms, then the connection dropped/);
  });

  it("a connection reset at once stays a connection fault and is retried once", async () => {
    server().script("flaky", [{ resetConnection: true }]);
    const chat = createFallback({
      models: [
        { model: google("flaky", { apiKey, baseURL: server().geminiBaseURL }), retry: { initialDelayMs: 1, maxDelayMs: 1 } },
      ],
    });
    const result = await chat.generate(ask);
    expect(result.attempts.map((a) => a.kind ?? a.outcome)).toEqual(["connection", "success"]);
  });
});

describe("a server that refuses the connection", () => {
  it("is a connection failure whose message names the host and the errno", async () => {
    // A port nothing listens on: take a free one and close it again.
    const { createServer } = await import("node:net");
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const refused = google("gemini-test", { apiKey, baseURL: `http://127.0.0.1:${port}` });
    const error = await refused.generate(ask, { signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "connection" });
    expect((error as Error).message).toMatch(new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
  });
});
