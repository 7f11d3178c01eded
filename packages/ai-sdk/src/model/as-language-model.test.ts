import { APICallError, InvalidArgumentError, UnsupportedFunctionalityError } from "@ai-sdk/provider";
import { anthropic } from "@understudy/anthropic";
import { createFallback, type Fallback, isFallbackExhaustedError, isStreamInterruptedError } from "@understudy/core";
import { openai } from "@understudy/openai";
import { faults } from "@understudy/testing";
import { useFaultServer } from "@understudy/testing/vitest";
import { generateObject, generateText, Output, stepCountIs, streamObject, streamText, tool } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { asLanguageModel } from "../index.ts";

const server = useFaultServer();
const anthropicKey = "sk-ant-sentinel-0123456789abcdef";
const openaiKey = "sk-sentinel-openai-0123456789abcdef";

/** Claude first, GPT behind it, one call per model per request so counts are exact. */
function chainOf(): Fallback {
  return createFallback({
    models: [
      { model: anthropic("claude-test", { apiKey: anthropicKey, baseURL: server().anthropicBaseURL }) },
      { model: openai("gpt-test", { apiKey: openaiKey, baseURL: server().openaiBaseURL }) },
    ],
    defaults: { retry: { maxAttempts: 1 } },
  });
}
const primaryDown = () => server().script("claude-test", () => faults.overloaded());
const requestsTo = (model: string) => server().log.filter((entry) => entry.model === model);

describe("asLanguageModel: streamText over a chain", () => {
  it("answers from the backup when the primary says 529, and says so", async () => {
    primaryDown();
    const result = streamText({ model: asLanguageModel(chainOf()), prompt: "What is the weather in Paris?" });
    const kinds: string[] = [];
    for await (const part of result.fullStream) kinds.push(part.type);

    expect(await result.text).toBe("This is gpt-test answering.");
    expect(await result.finishReason).toBe("stop");
    expect(kinds.filter((kind) => kind === "start-step")).toHaveLength(1);
    expect(kinds).not.toContain("error");
    expect((await result.response).modelId).toBe("gpt-test");
    const understudy = (await result.providerMetadata)?.understudy;
    expect(understudy).toMatchObject({
      model: "openai:gpt-test",
      fallbacks: [{ from: "anthropic:claude-test", to: "openai:gpt-test", reason: "overloaded" }],
      attempts: [
        { model: "anthropic:claude-test", outcome: "failure", kind: "overloaded", status: 529 },
        { model: "openai:gpt-test", outcome: "success" },
      ],
    });
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
    expect(requestsTo("claude-test")).toHaveLength(1);
  });

  it("never ends a stream cut after three tokens as a success", async () => {
    server().script("claude-test", [faults.cutStream(3)]);
    const errors: unknown[] = [];
    let finished: string | undefined;
    const result = streamText({
      model: asLanguageModel(chainOf()),
      prompt: "Tell me a story.",
      onError: ({ error }) => {
        errors.push(error);
      },
      onFinish: ({ finishReason }) => {
        finished = finishReason;
      },
    });
    const kinds: string[] = [];
    for await (const part of result.fullStream) kinds.push(part.type);

    expect(kinds).toContain("error");
    expect(await result.finishReason).toBe("error");
    expect(finished).toBe("error");
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).isRetryable).toBe(false);
    expect(isStreamInterruptedError((error as APICallError).cause)).toBe(true);
    // The backup is not asked for a second answer the caller could not tell from the first.
    expect(requestsTo("gpt-test")).toHaveLength(0);
  });

  it("puts the cut in the UI message stream as an error, not a finished answer", async () => {
    server().script("claude-test", [faults.cutStream(3)]);
    const result = streamText({ model: asLanguageModel(chainOf()), prompt: "Tell me a story.", onError: () => {} });
    const response = result.toUIMessageStreamResponse();
    const chunks = (await response.text())
      .split("\n")
      .filter((line) => line.startsWith("data: {"))
      .map((line) => JSON.parse(line.slice(6)) as { type: string; finishReason?: string });
    expect(chunks.map((chunk) => chunk.type)).toContain("error");
    expect(chunks.at(-1)).toMatchObject({ type: "finish", finishReason: "error" });
  });

  it("does not let ai's own retries re-run the chain when every model fails", async () => {
    primaryDown();
    server().script("gpt-test", () => faults.serverError());
    const result = streamText({ model: asLanguageModel(chainOf()), prompt: "Hi", maxRetries: 2, onError: () => {} });
    const errors: unknown[] = [];
    for await (const part of result.fullStream) if (part.type === "error") errors.push(part.error);

    expect(requestsTo("claude-test")).toHaveLength(1);
    expect(requestsTo("gpt-test")).toHaveLength(1);
    const error = errors[0] as APICallError;
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error.isRetryable).toBe(false);
    expect(error.statusCode).toBe(500);
    expect(isFallbackExhaustedError(error.cause)).toBe(true);
    expect(error.data).toMatchObject({
      understudy: { reason: "all_failed", attempts: [{ kind: "overloaded" }, { kind: "server" }] },
    });
    expect(JSON.stringify(error.data)).not.toContain("sentinel");
  });

  it("gives a failure the chain surfaces (a 400) its status and kind", async () => {
    server().script("claude-test", [{ failure: "invalid_request" }]);
    const failed = generateText({ model: asLanguageModel(chainOf()), prompt: "Hi", maxRetries: 0 });
    await expect(failed).rejects.toSatisfy(
      (error) =>
        APICallError.isInstance(error) &&
        error.statusCode === 400 &&
        !error.isRetryable &&
        (error.data as { understudy?: { kind?: string } }).understudy?.kind === "invalid_request",
    );
    expect(requestsTo("gpt-test")).toHaveLength(0);
  });

  it("stops the provider's call when ai's abort signal fires", async () => {
    server().script("claude-test", [faults.silent()]);
    const controller = new AbortController();
    const result = streamText({ model: asLanguageModel(chainOf()), prompt: "Hi", abortSignal: controller.signal });
    const reading = (async () => {
      const kinds: string[] = [];
      for await (const part of result.fullStream) kinds.push(part.type);
      return kinds;
    })();
    await expect.poll(() => requestsTo("claude-test").length).toBe(1);
    controller.abort();
    expect(await reading).toContain("abort");
    await expect.poll(() => requestsTo("claude-test")[0]?.clientHungUp).toBe(true);
    expect(requestsTo("gpt-test")).toHaveLength(0);
  });
});

describe("asLanguageModel: generateText, tools and structured output", () => {
  it("runs a multi-step tool loop over a fallback, the tool result reaching the backup", async () => {
    primaryDown();
    server().script("gpt-test", [
      { toolCalls: [{ id: "call_1", name: "get_weather", args: { city: "Paris" } }] },
      { text: "Sunny in Paris." },
    ]);
    const result = await generateText({
      model: asLanguageModel(chainOf()),
      prompt: "Weather in Paris?",
      tools: {
        get_weather: tool({
          description: "The weather in a city",
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => ({ city, sky: "sunny" }),
        }),
      },
      stopWhen: stepCountIs(3),
    });

    expect(result.text).toBe("Sunny in Paris.");
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]?.toolCalls).toMatchObject([
      { toolCallId: "call_1", toolName: "get_weather", input: { city: "Paris" } },
    ]);
    const second = requestsTo("gpt-test")[1]?.body as { messages: { role: string; content: unknown; tool_call_id?: string }[] };
    expect(second.messages.find((message) => message.role === "tool")).toMatchObject({ tool_call_id: "call_1" });
    expect(JSON.stringify(second.messages)).toContain("sunny");
    // Each step is a request of its own, and each fell over on its own.
    expect(result.steps.map((step) => step.providerMetadata?.understudy?.model)).toEqual(["openai:gpt-test", "openai:gpt-test"]);
  });

  it("parses structured output with Output.object, the schema sent to the model that answered", async () => {
    primaryDown();
    server().script("gpt-test", [{ text: '{"city":"Paris","celsius":21}' }]);
    const schema = z.object({ city: z.string(), celsius: z.number() });
    const result = await generateText({
      model: asLanguageModel(chainOf()),
      prompt: "Weather?",
      output: Output.object({ schema }),
    });

    expect(result.output).toEqual({ city: "Paris", celsius: 21 });
    const body = requestsTo("gpt-test")[0]?.body as { response_format?: { type: string; json_schema?: { schema: unknown } } };
    expect(body.response_format?.type).toBe("json_schema");
    expect(JSON.stringify(body.response_format?.json_schema?.schema)).toContain("celsius");
  });

  it("serves the deprecated generateObject and streamObject", async () => {
    primaryDown();
    server().script("gpt-test", [{ text: '{"city":"Paris"}' }, { text: '{"city":"Lyon"}' }]);
    const schema = z.object({ city: z.string() });
    const generated = await generateObject({ model: asLanguageModel(chainOf()), prompt: "City?", schema });
    expect(generated.object).toEqual({ city: "Paris" });
    const streamed = streamObject({ model: asLanguageModel(chainOf()), prompt: "City?", schema });
    const partials: unknown[] = [];
    for await (const partial of streamed.partialObjectStream) partials.push(partial);
    expect(await streamed.object).toEqual({ city: "Lyon" });
    expect(partials.at(-1)).toEqual({ city: "Lyon" });
  });

  it("streams structured output with Output.object", async () => {
    server().script("claude-test", [{ text: '{"city":"Paris"}' }]);
    const result = streamText({
      model: asLanguageModel(chainOf()),
      prompt: "City?",
      output: Output.object({ schema: z.object({ city: z.string() }) }),
    });
    const partials: unknown[] = [];
    for await (const partial of result.partialOutputStream) partials.push(partial);
    expect(await result.output).toEqual({ city: "Paris" });
    expect(partials.at(-1)).toEqual({ city: "Paris" });
  });

  it("turns settings no adapter can send into warnings, and sends none of them", async () => {
    const result = await generateText({
      model: asLanguageModel(chainOf()),
      prompt: "Hi",
      topK: 5,
      seed: 42,
      presencePenalty: 0.5,
      frequencyPenalty: 0.5,
      headers: { "x-trace": "abc" },
      temperature: 0.3,
    });
    const features = result.warnings?.map((warning) => (warning.type === "unsupported" ? warning.feature : warning.type));
    expect(features).toEqual(expect.arrayContaining(["topK", "seed", "presencePenalty", "frequencyPenalty", "headers"]));
    const sent = requestsTo("claude-test")[0];
    expect(sent?.body).toMatchObject({ temperature: 0.3 });
    expect(JSON.stringify(sent?.body)).not.toMatch(/top_k|seed|penalty/);
  });

  it("takes per-call chain options from providerOptions.understudy, and names a wrong one", async () => {
    const model = asLanguageModel(chainOf());
    const result = await generateText({ model, prompt: "Hi", providerOptions: { understudy: { models: ["openai:gpt-test"] } } });
    expect(result.response.modelId).toBe("gpt-test");
    expect(requestsTo("claude-test")).toHaveLength(0);

    const wrongId = generateText({ model, prompt: "Hi", providerOptions: { understudy: { models: ["nope"] } } });
    await expect(wrongId).rejects.toSatisfy(
      (error) => InvalidArgumentError.isInstance(error) && error.argument === "providerOptions.understudy.models[0]",
    );
    const stray = generateText({ model, prompt: "Hi", providerOptions: { understudy: { midStream: "restart" } } });
    await expect(stray).rejects.toThrow(/providerOptions\.understudy\.midStream.*models.*deadlineMs/);
  });

  it("refuses a file it cannot carry with the AI SDK's own error, before any call", async () => {
    const pdf = generateText({
      model: asLanguageModel(chainOf()),
      messages: [
        { role: "user", content: [{ type: "file", data: new Uint8Array([37, 80, 68, 70]), mediaType: "application/pdf" }] },
      ],
    });
    await expect(pdf).rejects.toSatisfy((error) => UnsupportedFunctionalityError.isInstance(error));
    expect(server().log).toHaveLength(0);
  });
});
