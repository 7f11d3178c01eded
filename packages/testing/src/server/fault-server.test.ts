import { connect } from "node:net";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { useFaultServer } from "../vitest/use-fault-server.ts";
import { waitFor } from "../vitest/wait-for.ts";
import type { FaultServer } from "./fault-server.ts";
import { faults } from "./fault-step.ts";

let now = 1_000_000;
const faultServer = useFaultServer({ clock: () => now });
let server: FaultServer;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(() => {
  server = faultServer();
  openai = new OpenAI({ apiKey: "sk-test-openai-key-0000", baseURL: server.openaiBaseURL, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: "sk-ant-test-key-0000", baseURL: server.anthropicBaseURL, maxRetries: 0 });
});

const ask = [{ role: "user" as const, content: "What is the weather in Paris?" }];
const weatherTool = { name: "get_weather", args: { city: "Paris", unit: "celsius" } };

describe("OpenAI wire format, read by the openai SDK", () => {
  it("answers a plain completion with usage", async () => {
    const completion = await openai.chat.completions.create({ model: "gpt-test", messages: ask });
    expect(completion.choices[0]?.message.content).toBe("This is gpt-test answering.");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(server.log).toMatchObject([
      { provider: "openai", model: "gpt-test", attempt: 1, stream: false, fault: "answer", status: 200 },
    ]);
  });

  it("streams a completion that the SDK's strict helper accepts, with usage", async () => {
    server.script("gpt-test", [{ text: "one two three" }]);
    const stream = openai.chat.completions.stream({ model: "gpt-test", messages: ask, stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe("one two three");
    expect(final.choices[0]?.finish_reason).toBe("stop");
    expect(final.usage?.completion_tokens).toBe(3);
  });

  it("streams tool calls that assemble into parsed arguments", async () => {
    server.script("gpt-test", [{ toolCalls: [weatherTool] }]);
    const tools = [
      { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: {} } } },
    ];
    const final = await openai.chat.completions.stream({ model: "gpt-test", messages: ask, tools }).finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual(weatherTool.args);
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("sends errors in OpenAI's shape, with Retry-After headers", async () => {
    server.script("gpt-test", [faults.rateLimit({ retryAfterSeconds: 7, retryAfterMs: 6_500 }), faults.quota()]);
    const rateLimited = await openai.chat.completions.create({ model: "gpt-test", messages: ask }).catch((e: unknown) => e);
    expect(rateLimited).toBeInstanceOf(OpenAI.RateLimitError);
    const error = rateLimited as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.code).toBe("rate_limit_exceeded");
    expect(error.headers?.get("retry-after")).toBe("7");
    expect(error.headers?.get("retry-after-ms")).toBe("6500");
    const quota = (await openai.chat.completions
      .create({ model: "gpt-test", messages: ask })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect([quota.status, quota.code]).toEqual([429, "insufficient_quota"]);
  });

  it("reports an error event after a 200 as an error without status", async () => {
    server.script("gpt-test", [faults.midStreamError("server", 2)]);
    const stream = await openai.chat.completions.create({ model: "gpt-test", messages: ask, stream: true });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? "");
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBeUndefined();
    expect(seen.join("")).toBe("This is ");
  });

  it("finishes properly without [DONE] when asked, which the SDK still accepts", async () => {
    server.script("gpt-test", [{ text: "complete answer", omitDone: true }]);
    const final = await openai.chat.completions.stream({ model: "gpt-test", messages: ask }).finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe("stop");
  });

  it("echoes only a masked key in a 401, as OpenAI does", async () => {
    server.script("gpt-test", [faults.unauthorized()]);
    const error = (await openai.chat.completions.create({ model: "gpt-test", messages: ask }).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("sk-");
    expect(error.message).not.toContain("sk-test-openai-key-0000");
  });
});

describe("Anthropic wire format, read by the @anthropic-ai/sdk SDK", () => {
  it("answers a message with usage", async () => {
    const message = await anthropic.messages.create({ model: "claude-test", max_tokens: 100, messages: ask });
    expect(message.content).toEqual([{ type: "text", text: "This is claude-test answering." }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it("streams a message that the SDK's strict helper accepts, tool use included", async () => {
    server.script("claude-test", [{ text: "Let me check.", toolCalls: [weatherTool] }]);
    const final = await anthropic.messages.stream({ model: "claude-test", max_tokens: 100, messages: ask }).finalMessage();
    expect(final.content[0]).toEqual({ type: "text", text: "Let me check." });
    expect(final.content[1]).toMatchObject({ type: "tool_use", name: "get_weather", input: weatherTool.args });
    expect(final.stop_reason).toBe("tool_use");
  });

  it("sends 529 overloaded_error in Anthropic's shape", async () => {
    server.script("claude-test", [faults.overloaded()]);
    const error = (await anthropic.messages
      .create({ model: "claude-test", max_tokens: 10, messages: ask })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(error.status).toBe(529);
    expect((error.error as { error: { type: string } }).error.type).toBe("overloaded_error");
  });

  it("sends an error event mid-stream", async () => {
    server.script("claude-test", [faults.midStreamError("overloaded", 1)]);
    const error = await anthropic.messages
      .stream({ model: "claude-test", max_tokens: 10, messages: ask })
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Error).message).toContain("overloaded_error");
  });

  it("rejects a prefill for a model that does not take one", async () => {
    server.behave("claude-test", { rejectsPrefill: true });
    const error = (await anthropic.messages
      .create({ model: "claude-test", max_tokens: 10, messages: [...ask, { role: "assistant", content: "It is" }] })
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("does not support assistant message prefill");
    await expect(anthropic.messages.create({ model: "claude-test", max_tokens: 10, messages: ask })).resolves.toBeTruthy();
  });

  it("sends the rate-limit reset headers only when asked, as RFC 3339 timestamps", async () => {
    server.script("claude-test", [faults.rateLimit({ resetInMs: 30_000 })]);
    const error = (await anthropic.messages
      .create({ model: "claude-test", max_tokens: 10, messages: ask })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(error.headers?.get("retry-after")).toBeNull();
    expect(error.headers?.get("anthropic-ratelimit-requests-reset")).toBe(new Date(now + 30_000).toISOString());
  });
});

describe("scripts, outages and the log", () => {
  it("fails N times then succeeds, counted per model", async () => {
    server.script("gpt-test", faults.failTimes(2, faults.serverError()));
    for (let i = 0; i < 2; i++) await openai.chat.completions.create({ model: "gpt-test", messages: ask }).catch(() => {});
    await openai.chat.completions.create({ model: "gpt-test", messages: ask });
    expect(server.requestsFor("gpt-test").map((e) => [e.attempt, e.fault, e.status])).toEqual([
      [1, "server", 500],
      [2, "server", 500],
      [3, "answer", 200],
    ]);
  });

  it("takes a model down for an outage window on its clock", async () => {
    server.outage("claude-test", { from: now + 1_000, to: now + 2_000 });
    await anthropic.messages.create({ model: "claude-test", max_tokens: 10, messages: ask });
    now += 1_500;
    await expect(anthropic.messages.create({ model: "claude-test", max_tokens: 10, messages: ask })).rejects.toMatchObject({
      status: 529,
    });
    now += 1_000;
    await anthropic.messages.create({ model: "claude-test", max_tokens: 10, messages: ask });
    expect(server.requestsFor("claude-test").map((e) => e.fault)).toEqual(["answer", "overloaded", "answer"]);
  });

  it("logs a client that hung up on a silent request", async () => {
    server.script("gpt-test", [faults.silent()]);
    const controller = new AbortController();
    const pending = openai.chat.completions
      .create({ model: "gpt-test", messages: ask }, { signal: controller.signal })
      .catch((e: unknown) => e);
    await waitFor(() => server.log.length === 1);
    controller.abort();
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
    await waitFor(() => server.log[0]?.clientHungUp === true);
  });

  it("resets the connection before the headers", async () => {
    server.script("gpt-test", [faults.connectionReset()]);
    const error = await openai.chat.completions.create({ model: "gpt-test", messages: ask }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it("answers 400 to a bad request and 404 to an unknown route, and keeps serving", async () => {
    const bad = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    const noMaxTokens = await fetch(`${server.url}/v1/messages`, {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [] }),
    });
    expect(noMaxTokens.status).toBe(400);
    expect((await fetch(`${server.url}/v2/nothing`, { method: "POST" })).status).toBe(404);
    await expect(openai.chat.completions.create({ model: "gpt-test", messages: ask })).resolves.toBeTruthy();
  });

  it("after reset(), the very next request on a kept-alive connection is answered, not refused", async () => {
    // reset() closes every connection; a client that reused one of them at once used to fail with a connection error.
    for (let round = 0; round < 20; round++) {
      await openai.chat.completions.stream({ model: "gpt-test", messages: ask }).finalChatCompletion();
      await server.reset();
      await expect(openai.chat.completions.create({ model: "gpt-test", messages: ask })).resolves.toBeTruthy();
    }
  });
});

describe("reset() leaves no socket behind", () => {
  it("a connection that arrives while reset() closes the others is closed too", async () => {
    // A hanging request keeps reset() waiting for its socket to close; a client reconnecting meanwhile must not outlive it.
    server.script("gpt-test", [faults.silent()]);
    const hanging = openai.chat.completions.create({ model: "gpt-test", messages: ask }).catch(() => "gone");
    await waitFor(() => server.log.length === 1);
    const resetting = server.reset();
    const late = connect(Number(new URL(server.url).port), "127.0.0.1");
    const lateClosed = new Promise((resolve) => late.once("close", resolve));
    late.on("error", () => {});
    await resetting;
    await lateClosed;
    expect(late.destroyed).toBe(true);
    expect(await hanging).toBe("gone");
  });
});

describe("untrusted input on demand, read by the real SDKs", () => {
  const openaiKey = "sk-test-openai-key-0000";
  const anthropicKey = "sk-ant-test-key-0000";

  it("answers with a raw body under any status and content type, streamed or not", async () => {
    server.script("gpt-test", [
      { rawBody: { body: "null" } },
      { rawBody: { contentType: "text/html", body: "<html>hello</html>" } },
      { rawBody: { status: 503, body: '{"error":{"message":"raw","type":"server_error"}}' } },
    ]);
    const completion = await openai.chat.completions.create({ model: "gpt-test", messages: ask });
    expect(completion).toBeNull();
    expect(await openai.chat.completions.create({ model: "gpt-test", messages: ask })).toBe("<html>hello</html>");
    const error = await openai.chat.completions.create({ model: "gpt-test", messages: ask }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, message: expect.stringContaining("raw") });
    expect(server.log.map((entry) => [entry.fault, entry.status])).toEqual([
      ["raw-200", 200],
      ["raw-200", 200],
      ["raw-503", 503],
    ]);
    const stop = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    server.script("claude-test", [{ rawBody: { contentType: "text/event-stream", body: stop } }]);
    const events = [];
    for await (const event of await anthropic.messages.create({
      model: "claude-test",
      max_tokens: 10,
      messages: ask,
      stream: true,
    }))
      events.push(event);
    expect(events).toEqual([{ type: "message_stop" }]);
  });

  it("reports the usage it is told to, as sent, in both formats, streamed or not", async () => {
    const odd = { prompt_tokens: -5, completion_tokens: "7", total_tokens: 1e308 };
    server.script("gpt-test", [{ usage: odd }, { usage: odd }]);
    expect((await openai.chat.completions.create({ model: "gpt-test", messages: ask })).usage).toMatchObject(odd);
    const streamed = await openai.chat.completions
      .stream({ model: "gpt-test", messages: ask, stream_options: { include_usage: true } })
      .finalChatCompletion();
    expect(streamed.usage).toMatchObject(odd);
    const oddAnthropic = { input_tokens: null, output_tokens: "7" };
    server.script("claude-test", [{ usage: oddAnthropic }, { usage: oddAnthropic }]);
    const message = await anthropic.messages.create({ model: "claude-test", max_tokens: 10, messages: ask });
    expect(message.usage).toMatchObject(oddAnthropic);
    const events = [];
    for await (const event of await anthropic.messages.create({
      model: "claude-test",
      max_tokens: 10,
      messages: ask,
      stream: true,
    }))
      events.push(event);
    expect(events.find((event) => event.type === "message_start")).toMatchObject({ message: { usage: oddAnthropic } });
    expect(events.find((event) => event.type === "message_delta")).toMatchObject({ usage: { output_tokens: "7" } });
  });

  it("sends raw retry headers as written, over the computed ones", async () => {
    const headers = { "retry-after-ms": "1e12", "x-ratelimit-reset-requests": "99999h", "retry-after": "-5" };
    server.script("gpt-test", [faults.rateLimit({ resetInMs: 1_000, headers })]);
    const error = (await openai.chat.completions
      .create({ model: "gpt-test", messages: ask })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    for (const [name, value] of Object.entries(headers)) expect(error.headers?.get(name)).toBe(value);
  });

  it("echoes the part of the key asked for, where asked", async () => {
    const middle = openaiKey.slice(openaiKey.length / 2 - 6, openaiKey.length / 2 + 6);
    server.script("gpt-test", [
      { ...faults.serverError(), echoApiKey: { part: "middle", in: ["code", "request-id"] } },
      { echoApiKey: { part: "unprefixed", in: ["response-id", "request-id"] } },
    ]);
    const error = (await openai.chat.completions
      .create({ model: "gpt-test", messages: ask })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect([error.code, error.requestID]).toEqual([middle, `req_${middle}`]);
    expect(error.message).not.toContain(middle);
    const { data, request_id } = await openai.chat.completions.create({ model: "gpt-test", messages: ask }).withResponse();
    expect([data.id, request_id]).toEqual(["chatcmpl-test-openai-key-0000", "req_test-openai-key-0000"]);

    server.script("claude-test", [{ ...faults.overloaded(), echoApiKey: { part: "unprefixed", in: ["message", "code"] } }]);
    const overloaded = (await anthropic.messages
      .create({ model: "claude-test", max_tokens: 10, messages: ask })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(overloaded.type).toBe(anthropicKey.slice("sk-ant-".length));
    expect(overloaded.message).toContain(`key ${anthropicKey.slice("sk-ant-".length)} rejected: Overloaded`);
  });
});
