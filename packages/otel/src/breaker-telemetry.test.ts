import { createFallback } from "@understudy/core";
import { scriptedModel } from "@understudy/testing";
import { describe, expect, it } from "vitest";
import { ChainInstrumentation } from "./chain-instrumentation.ts";
import { chainSpans, childrenOf, useOtel } from "./test-support/otel-harness.ts";

const otel = useOtel();
const ask = { messages: [{ role: "user" as const, content: "Hi" }] };

function chainWithFragilePrimary() {
  const primary = scriptedModel({ modelId: "primary", provider: "openai", script: [{ error: "server", status: 500 }] });
  const backup = scriptedModel({ modelId: "backup", provider: "anthropic" });
  return createFallback({
    models: [
      { model: primary, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 } },
      { model: backup },
    ],
  });
}

describe("breakers and skips, traced and measured", () => {
  it("the request that opens a breaker carries the transition; the next one skips the model, as an event and a count", async () => {
    const chat = chainWithFragilePrimary();
    const instrumentation = new ChainInstrumentation(chat, {
      tracerProvider: otel().tracerProvider,
      meterProvider: otel().meterProvider,
      name: "greeter",
    });
    expect(await otel().points("understudy.breaker.state")).toEqual([
      { attributes: { "understudy.model": "openai:primary", "understudy.chain.name": "greeter" }, value: 0 },
      { attributes: { "understudy.model": "anthropic:backup", "understudy.chain.name": "greeter" }, value: 0 },
    ]);

    await chat.generate(ask);
    await chat.generate(ask);

    const [opening, skipping] = chainSpans(otel().spans()).sort((a, b) =>
      String(a.attributes["understudy.request.id"]).localeCompare(String(b.attributes["understudy.request.id"])),
    );
    expect(opening?.events.map((event) => event.name)).toEqual(["understudy.breaker.open", "understudy.fallback"]);
    expect(opening?.events[0]?.attributes).toMatchObject({ "understudy.model": "openai:primary", "understudy.reason": "server" });
    expect(opening?.events[0]?.attributes?.["understudy.breaker.reopen_at"]).toBeGreaterThan(Date.now());

    expect(skipping?.events.map((event) => event.name)).toEqual(["understudy.skip"]);
    expect(skipping?.events[0]?.attributes).toMatchObject({ "understudy.model": "openai:primary", "understudy.reason": "open" });
    expect(skipping?.attributes).toMatchObject({
      "understudy.skip_count": 1,
      "understudy.skips": ["openai:primary: open"],
      "understudy.attempt_count": 1,
      "understudy.fallback_count": 0,
    });
    // A skip makes no call: its request has one call span, to the backup.
    expect(childrenOf(otel().spans(), skipping ?? (undefined as never)).map((span) => span.name)).toEqual(["chat backup"]);

    expect(await otel().points("understudy.skips")).toEqual([
      {
        attributes: { "understudy.model": "openai:primary", "understudy.reason": "open", "understudy.chain.name": "greeter" },
        value: 1,
      },
    ]);
    const states = await otel().points("understudy.breaker.state");
    expect(states.find((point) => point.attributes["understudy.model"] === "openai:primary")?.value).toBe(2);
    expect(states.find((point) => point.attributes["understudy.model"] === "anthropic:backup")?.value).toBe(0);

    chat.isolate("anthropic:backup");
    const isolated = await otel().points("understudy.breaker.state");
    expect(isolated.find((point) => point.attributes["understudy.model"] === "anthropic:backup")?.value).toBe(3);
    expect(instrumentation.openRequests).toBe(0);
  });

  it("stops observing the breakers once unwired", async () => {
    const chat = chainWithFragilePrimary();
    const instrumentation = new ChainInstrumentation(chat, { meterProvider: otel().meterProvider });
    expect(await otel().points("understudy.breaker.state")).toHaveLength(2);
    instrumentation.unwire();
    chat.isolate("openai:primary");
    // The SDK keeps a gauge's last value; an observed one would now read 3.
    const states = await otel().points("understudy.breaker.state");
    expect(states.map((point) => point.value)).toEqual([0, 0]);
  });

  it("tells apart two unnamed chains that share a model id, each by an id of its instrumentation", async () => {
    const a = createFallback({ models: [{ model: scriptedModel({ modelId: "shared" }) }] });
    const b = createFallback({ models: [{ model: scriptedModel({ modelId: "shared" }) }] });
    const named = createFallback({ models: [{ model: scriptedModel({ modelId: "shared" }) }] });
    new ChainInstrumentation(a, { meterProvider: otel().meterProvider });
    new ChainInstrumentation(b, { meterProvider: otel().meterProvider });
    new ChainInstrumentation(named, { meterProvider: otel().meterProvider, name: "greeter" });
    a.isolate("scripted:shared");

    const points = await otel().points("understudy.breaker.state");
    expect(points).toHaveLength(3);
    const [ofA, ofB, ofNamed] = points;
    expect(ofA?.value).toBe(3);
    expect(ofB?.value).toBe(0);
    expect(ofA?.attributes["understudy.chain.id"]).toMatch(/^chain-\d+$/);
    expect(ofB?.attributes["understudy.chain.id"]).toMatch(/^chain-\d+$/);
    expect(ofA?.attributes["understudy.chain.id"]).not.toBe(ofB?.attributes["understudy.chain.id"]);
    // A named chain is told by its name.
    expect(ofNamed?.attributes).toEqual({ "understudy.model": "scripted:shared", "understudy.chain.name": "greeter" });
  });
});
