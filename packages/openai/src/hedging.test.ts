import { type ChatRequest, createFallback, type FallbackStream } from "@understudy/core";
import { faults } from "@understudy/testing";
import { useFaultServer, waitFor } from "@understudy/testing/vitest";
import { describe, expect, it } from "vitest";
import { openai } from "./openai.ts";

// Hedging and learned timers with the real SDK over HTTP (real time, short and generous):
// the server must see the losing call's connection closed.

const server = useFaultServer();
const apiKey = "sk-sentinel-hedge-0123456789abcdef";
const gpt = (id: string) => openai(id, { apiKey, baseURL: server().openaiBaseURL });
const ask: ChatRequest = { messages: [{ role: "user", content: "Hi" }] };

async function read(stream: FallbackStream): Promise<number> {
  const started = performance.now();
  let firstPartMs: number | undefined;
  for await (const _part of stream) firstPartMs ??= performance.now() - started;
  return firstPartMs ?? Number.NaN;
}

describe("hedged requests over HTTP", () => {
  it("a stream whose first token is slow is hedged: the backup's answer comes first, and the slow request is hung up", async () => {
    server().script("gpt-slow", () => faults.slowFirstToken(4_000, "slow answer"));
    server().script("gpt-fast", () => faults.answer("fast answer"));
    const chat = createFallback({ models: [{ model: gpt("gpt-slow"), hedge: { afterMs: 200 } }, { model: gpt("gpt-fast") }] });
    const stream = chat.stream(ask);
    const firstPartMs = await read(stream);
    const result = await stream.result;
    expect(result.model).toBe("openai:gpt-fast");
    expect(result.text).toBe("fast answer");
    expect(firstPartMs).toBeLessThan(3_000);
    expect(result.hedges[0]).toMatchObject({ from: "openai:gpt-slow", to: "openai:gpt-fast", winner: "openai:gpt-fast" });
    await waitFor(() => server().requestsFor("gpt-slow")[0]?.clientHungUp === true);
    expect(server().requestsFor("gpt-fast")[0]?.clientHungUp).toBe(false);
  });

  it("a generate whose answer is late is hedged the same way", async () => {
    server().script("gpt-slow", () => ({ delayMs: 4_000 }));
    server().script("gpt-fast", () => faults.answer("fast answer"));
    const chat = createFallback({ models: [{ model: gpt("gpt-slow"), hedge: { afterMs: 200 } }, { model: gpt("gpt-fast") }] });
    const result = await chat.generate(ask);
    expect(result.model).toBe("openai:gpt-fast");
    expect(result.durationMs).toBeLessThan(3_000);
    await waitFor(() => server().requestsFor("gpt-slow")[0]?.clientHungUp === true);
  });

  it("no hedge goes when the first model is fast", async () => {
    server().script("gpt-slow", () => faults.answer("quick"));
    const chat = createFallback({ models: [{ model: gpt("gpt-slow"), hedge: { afterMs: 2_000 } }, { model: gpt("gpt-fast") }] });
    for (let i = 0; i < 3; i++) await read(chat.stream(ask));
    expect(server().requestsFor("gpt-fast")).toHaveLength(0);
  });
});

describe("a learned first-token timer over HTTP", () => {
  it("cuts a provider silent far past its own normal at the learned timer, and the server sees the hang-up", async () => {
    let slow = false;
    server().script("gpt-slow", () => (slow ? faults.slowFirstToken(10_000) : faults.answer("p")));
    server().script("gpt-fast", () => faults.answer("backup"));
    const chat = createFallback({
      models: [
        { model: gpt("gpt-slow"), timeout: { learnFirstToken: { minMs: 300, minSamples: 5 } }, retry: { maxAttempts: 1 } },
        { model: gpt("gpt-fast") },
      ],
    });
    for (let i = 0; i < 6; i++) await read(chat.stream(ask));
    slow = true;
    const stream = chat.stream(ask);
    await read(stream);
    const result = await stream.result;
    expect(result.model).toBe("openai:gpt-fast");
    expect(result.attempts[0]?.message).toMatch(/learned first-token timer/);
    expect(result.attempts[0]?.durationMs).toBeLessThan(5_000);
    await waitFor(() => server().requestsFor("gpt-slow").at(-1)?.clientHungUp === true);
  });
});
