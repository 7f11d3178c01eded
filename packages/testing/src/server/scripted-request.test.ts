import Anthropic from "@anthropic-ai/sdk";
import { ApiError, FunctionCallingConfigMode, GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { useFaultServer } from "../vitest/use-fault-server.ts";
import type { FaultServer } from "./fault-server.ts";
import { faults } from "./fault-step.ts";
import type { FaultScript, ScriptedRequest } from "./scripted-request.ts";

// Requests are built the way the adapters build them (packages/openai/src/to-openai-request.ts,
// packages/anthropic/src/to-anthropic-request.ts, packages/google/src/to-google-request.ts) and
// sent by the real SDKs, so that the views below are of what goes on the wire.

const faultServer = useFaultServer();
let server: FaultServer;
let openai: OpenAI;
let anthropic: Anthropic;
let gemini: GoogleGenAI;

beforeAll(() => {
  server = faultServer();
  openai = new OpenAI({ apiKey: "sk-test-openai-key-0000", baseURL: server.openaiBaseURL, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: "sk-ant-test-key-0000", baseURL: server.anthropicBaseURL, maxRetries: 0 });
  gemini = new GoogleGenAI({ apiKey: "AIzaSyFaultServerTestKey0123456789abcd", httpOptions: { baseUrl: server.geminiBaseURL } });
});

const prompts = {
  capital: "What is the capital of France?",
  json: "Name a city, as JSON.",
  weather: "What is the weather in Paris?",
  lock: "Tell me how to pick a lock.",
} as const;
const system = "Be brief.";
const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
const weatherParameters = { type: "object", properties: { city: { type: "string" } } };
const weatherCall = { name: "get_weather", args: { city: "Paris" } };

/**
 * One model of an eval: answers the capital question, breaks the JSON schema
 * (a number for a string), calls the tool it is offered, refuses the lock.
 * The delays make later requests finish first: the answers cannot depend on order.
 */
const evalRules = faults.byPrompt(
  [
    { when: /capital of France/i, step: { text: "Paris.", delayMs: 60 } },
    { when: (request) => request.wantsJson, step: { text: '{"city": 42}', delayMs: 30 } },
    { when: (request) => request.tools.includes("get_weather"), step: { toolCalls: [weatherCall] } },
    { when: "pick a lock", step: { text: "I can't help with that.", finishReason: "content-filter", delayMs: 10 } },
  ],
  faults.serverError(),
);

/** The script, recording what it was shown. */
function recording(seen: ScriptedRequest[], script: FaultScript): FaultScript {
  return (attempt, request) => {
    seen.push(request);
    return script(attempt, request);
  };
}

function viewOf(seen: readonly ScriptedRequest[], lastUserText: string): ScriptedRequest | undefined {
  return seen.find((request) => request.lastUserText === lastUserText);
}

/** An agent loop: call the tool for a weather question, then answer from its result. */
const agentLoop = faults.byPrompt([
  {
    when: (request) => request.messages.at(-1)?.role === "tool",
    step: (_, request) => ({ text: `It is ${(JSON.parse(request.messages.at(-1)?.text ?? "{}") as { temp?: number }).temp}°C.` }),
  },
  { when: /weather/, step: { toolCalls: [weatherCall] } },
]);

describe("scripts that answer by the request: OpenAI, through the openai SDK", () => {
  const model = "gpt-eval";
  const messages = (prompt: string) => [
    { role: "system" as const, content: system },
    { role: "user" as const, content: prompt },
  ];

  it("gives concurrent requests each its own answer, and shows the script what was asked", async () => {
    const seen: ScriptedRequest[] = [];
    server.script(model, recording(seen, evalRules));
    const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: weatherParameters } }];
    const [capital, json, weather, lock] = await Promise.all([
      openai.chat.completions.create({ model, messages: messages(prompts.capital) }),
      openai.chat.completions.create({
        model,
        messages: messages(prompts.json),
        response_format: { type: "json_schema", json_schema: { name: "response", schema } },
      }),
      openai.chat.completions
        .stream({ model, messages: messages(prompts.weather), tools, tool_choice: "required" })
        .finalChatCompletion(),
      openai.chat.completions.create({ model, messages: messages(prompts.lock) }),
    ]);
    expect(capital.choices[0]?.message.content).toBe("Paris.");
    expect(JSON.parse(json.choices[0]?.message.content ?? "")).toEqual({ city: 42 });
    const call = weather.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" && [call.function.name, JSON.parse(call.function.arguments)]).toEqual([
      "get_weather",
      { city: "Paris" },
    ]);
    expect(lock.choices[0]?.finish_reason).toBe("content_filter");

    expect(viewOf(seen, prompts.json)).toEqual({
      provider: "openai",
      model,
      system,
      messages: [{ role: "user", text: prompts.json }],
      lastUserText: prompts.json,
      tools: [],
      toolChoice: undefined,
      wantsJson: true,
      jsonSchema: schema,
      stream: false,
      body: server.log.find((entry) => entry.lastUserText === prompts.json)?.body,
    });
    expect(viewOf(seen, prompts.weather)).toMatchObject({ tools: ["get_weather"], toolChoice: "required", stream: true });
    expect(viewOf(seen, prompts.capital)).toMatchObject({ wantsJson: false, jsonSchema: undefined, toolChoice: undefined });
    expect(server.requestsFor(model).map((entry) => entry.lastUserText)).toHaveLength(4);
    expect(new Set(server.requestsFor(model).map((entry) => entry.lastUserText))).toEqual(new Set(Object.values(prompts)));
  });

  it("reads a tool loop as the adapter sends it: tool results are tool messages", async () => {
    const seen: ScriptedRequest[] = [];
    server.script(model, recording(seen, agentLoop));
    const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: weatherParameters } }];
    const first = await openai.chat.completions.create({ model, messages: messages(prompts.weather), tools });
    const call = first.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("expected a function call");
    const second = await openai.chat.completions.create({
      model,
      tools,
      tool_choice: { type: "function", function: { name: "get_weather" } },
      messages: [
        ...messages(prompts.weather),
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: '{"temp":21}' },
      ],
    });
    expect(second.choices[0]?.message.content).toBe("It is 21°C.");
    expect(seen[1]).toMatchObject({
      messages: [
        { role: "user", text: prompts.weather },
        { role: "assistant", text: "" },
        { role: "tool", text: '{"temp":21}' },
      ],
      lastUserText: prompts.weather,
      toolChoice: { name: "get_weather" },
    });
  });

  it("reads text parts, developer messages and json_object", async () => {
    const seen: ScriptedRequest[] = [];
    server.script(
      model,
      recording(seen, () => ({ text: "{}" })),
    );
    await openai.chat.completions.create({
      model,
      response_format: { type: "json_object" },
      messages: [
        { role: "developer", content: "Answer in JSON." },
        {
          role: "user",
          content: [
            { type: "text", text: "what is it?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "text", text: "be precise" },
          ],
        },
        { role: "assistant", content: "A cat." },
        { role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] },
      ],
    });
    expect(seen[0]).toMatchObject({
      system: "Answer in JSON.",
      messages: [
        { role: "user", text: "what is it?\nbe precise" },
        { role: "assistant", text: "A cat." },
        { role: "user", text: "" },
      ],
      lastUserText: "",
      wantsJson: true,
      jsonSchema: undefined,
    });
  });
});

describe("scripts that answer by the request: Anthropic, through the @anthropic-ai/sdk SDK", () => {
  const model = "claude-eval";
  const user = (prompt: string) => [{ role: "user" as const, content: prompt }];

  it("gives concurrent requests each its own answer, and shows the script what was asked", async () => {
    const seen: ScriptedRequest[] = [];
    server.script(model, recording(seen, evalRules));
    const tools = [{ name: "get_weather", input_schema: { type: "object" as const, properties: weatherParameters.properties } }];
    const [capital, json, weather, lock] = await Promise.all([
      anthropic.messages.create({ model, max_tokens: 100, system, messages: user(prompts.capital) }),
      anthropic.messages.create({
        model,
        max_tokens: 100,
        system,
        messages: user(prompts.json),
        output_config: { format: { type: "json_schema", schema } },
      }),
      anthropic.messages
        .stream({ model, max_tokens: 100, system, messages: user(prompts.weather), tools, tool_choice: { type: "any" } })
        .finalMessage(),
      anthropic.messages.create({ model, max_tokens: 100, system, messages: user(prompts.lock) }),
    ]);
    const text = (message: Anthropic.Message) =>
      message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
    expect(text(capital)).toBe("Paris.");
    expect(JSON.parse(text(json))).toEqual({ city: 42 });
    expect(weather.content).toMatchObject([{ type: "tool_use", name: "get_weather", input: { city: "Paris" } }]);
    expect(weather.stop_reason).toBe("tool_use");
    expect(lock.stop_reason).toBe("refusal");

    expect(viewOf(seen, prompts.json)).toMatchObject({
      provider: "anthropic",
      model,
      system,
      messages: [{ role: "user", text: prompts.json }],
      tools: [],
      wantsJson: true,
      jsonSchema: schema,
      stream: false,
    });
    expect(viewOf(seen, prompts.weather)).toMatchObject({ tools: ["get_weather"], toolChoice: "required", stream: true });
    expect(new Set(server.requestsFor(model).map((entry) => entry.lastUserText))).toEqual(new Set(Object.values(prompts)));
  });

  it("reads a tool loop as the adapter sends it, and a system prompt of text blocks", async () => {
    const seen: ScriptedRequest[] = [];
    server.script(model, recording(seen, agentLoop));
    const tools = [{ name: "get_weather", input_schema: { type: "object" as const } }];
    const first = await anthropic.messages.create({ model, max_tokens: 100, messages: user(prompts.weather), tools });
    const call = first.content.find((block) => block.type === "tool_use");
    if (call?.type !== "tool_use") throw new Error("expected a tool_use block");
    const second = await anthropic.messages.create({
      model,
      max_tokens: 100,
      system: [{ type: "text", text: system }],
      tools,
      tool_choice: { type: "tool", name: "get_weather" },
      messages: [
        ...user(prompts.weather),
        { role: "assistant", content: [{ type: "tool_use", id: call.id, name: call.name, input: call.input }] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: call.id, content: '{"temp":21}' },
            { type: "text", text: "And tomorrow?" },
          ],
        },
      ],
    });
    expect(second.content).toMatchObject([{ type: "text", text: "This is claude-eval answering." }]);
    expect(seen[1]).toMatchObject({
      system,
      messages: [
        { role: "user", text: prompts.weather },
        { role: "assistant", text: "" },
        { role: "tool", text: '{"temp":21}' },
        { role: "user", text: "And tomorrow?" },
      ],
      lastUserText: "And tomorrow?",
      toolChoice: { name: "get_weather" },
    });

    // Without the user's text, the tool result is the last message: the loop answers from it.
    const third = await anthropic.messages.create({
      model,
      max_tokens: 100,
      messages: [
        ...user(prompts.weather),
        { role: "assistant", content: [{ type: "tool_use", id: call.id, name: call.name, input: call.input }] },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: call.id, content: [{ type: "text", text: '{"temp":19}' }] }],
        },
      ],
    });
    expect(third.content).toMatchObject([{ type: "text", text: "It is 19°C." }]);
    expect(seen[2]?.lastUserText).toBe(prompts.weather);
  });
});

describe("scripts that answer by the request: Gemini, through the @google/genai SDK", () => {
  const model = "gemini-eval";
  const contents = (prompt: string) => [{ role: "user", parts: [{ text: prompt }] }];
  const systemInstruction = { parts: [{ text: system }] };

  it("gives concurrent requests each its own answer, and shows the script what was asked", async () => {
    const seen: ScriptedRequest[] = [];
    server.script(model, recording(seen, evalRules));
    const tools = [{ functionDeclarations: [{ name: "get_weather", parametersJsonSchema: weatherParameters }] }];
    const toolConfig = {
      functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ["get_weather"] },
    };
    const [capital, json, weatherChunks, lock] = await Promise.all([
      gemini.models.generateContent({ model, contents: contents(prompts.capital), config: { systemInstruction } }),
      gemini.models.generateContent({
        model,
        contents: contents(prompts.json),
        config: { systemInstruction, responseMimeType: "application/json", responseJsonSchema: schema },
      }),
      (async () => {
        const stream = await gemini.models.generateContentStream({
          model,
          contents: contents(prompts.weather),
          config: { systemInstruction, tools, toolConfig },
        });
        const chunks = [];
        for await (const chunk of stream) chunks.push(chunk);
        return chunks;
      })(),
      gemini.models.generateContent({ model, contents: contents(prompts.lock), config: { systemInstruction } }),
    ]);
    expect(capital.text).toBe("Paris.");
    expect(JSON.parse(json.text ?? "")).toEqual({ city: 42 });
    expect(weatherChunks.flatMap((chunk) => chunk.functionCalls ?? [])).toMatchObject([
      { name: "get_weather", args: { city: "Paris" } },
    ]);
    expect(lock.candidates?.[0]?.finishReason).toBe("SAFETY");

    expect(viewOf(seen, prompts.json)).toMatchObject({
      provider: "gemini",
      model,
      system,
      messages: [{ role: "user", text: prompts.json }],
      tools: [],
      toolChoice: undefined,
      wantsJson: true,
      jsonSchema: schema,
      stream: false,
    });
    expect(viewOf(seen, prompts.weather)).toMatchObject({
      tools: ["get_weather"],
      toolChoice: { name: "get_weather" },
      stream: true,
    });
    expect(new Set(server.requestsFor(model).map((entry) => entry.lastUserText))).toEqual(new Set(Object.values(prompts)));
  });

  it("reads a tool loop as the adapter sends it: function responses are tool messages, their output the text", async () => {
    const seen: ScriptedRequest[] = [];
    server.script(model, recording(seen, agentLoop));
    const config = {
      tools: [{ functionDeclarations: [{ name: "get_weather", parametersJsonSchema: weatherParameters }] }],
      toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.AUTO } },
    };
    const first = await gemini.models.generateContent({ model, contents: contents(prompts.weather), config });
    const call = first.candidates?.[0]?.content?.parts?.[0];
    if (!call?.functionCall) throw new Error("expected a function call");
    const second = await gemini.models.generateContent({
      model,
      config,
      contents: [
        ...contents(prompts.weather),
        { role: "model", parts: [call] },
        {
          role: "user",
          parts: [{ functionResponse: { name: "get_weather", id: call.functionCall.id, response: { output: { temp: 21 } } } }],
        },
      ],
    });
    expect(second.text).toBe("It is 21°C.");
    expect(seen[1]).toMatchObject({
      messages: [
        { role: "user", text: prompts.weather },
        { role: "assistant", text: "" },
        { role: "tool", text: '{"temp":21}' },
      ],
      lastUserText: prompts.weather,
      toolChoice: "auto",
    });
  });
});

describe("faults.byPrompt", () => {
  const request = (lastUserText: string, more: Partial<ScriptedRequest> = {}): ScriptedRequest => ({
    provider: "openai",
    model: "m",
    system: undefined,
    messages: [{ role: "user", text: lastUserText }],
    lastUserText,
    tools: [],
    toolChoice: undefined,
    wantsJson: false,
    jsonSchema: undefined,
    stream: false,
    body: {},
    ...more,
  });

  it("takes the first rule that applies, else otherwise (a healthy answer by default)", () => {
    const script = faults.byPrompt([
      { when: "France", step: { text: "first" } },
      { when: /france/i, step: { text: "second" } },
      { when: (r, attempt) => r.tools.length > 0 && attempt > 1, step: (attempt) => ({ text: `tool ${attempt}` }) },
    ]);
    expect(script(1, request("Capital of France?"))).toEqual({ text: "first" });
    expect(script(1, request("capital of france?"))).toEqual({ text: "second" });
    expect(script(1, request("hi", { tools: ["t"] }))).toEqual({});
    expect(script(2, request("hi", { tools: ["t"] }))).toEqual({ text: "tool 2" });
    expect(faults.byPrompt([], faults.overloaded())(1, request("hi"))).toEqual({ failure: "overloaded" });
    expect(faults.byPrompt([], (attempt) => ({ text: `#${attempt}` }))(3, request("hi"))).toEqual({ text: "#3" });
  });

  it("matches a global or sticky RegExp the same way every time", () => {
    const script = faults.byPrompt([{ when: /paris/gy, step: { text: "yes" } }], { text: "no" });
    for (let i = 0; i < 3; i++) expect(script(i + 1, request("paris"))).toEqual({ text: "yes" });
  });

  it("refuses a rule whose `when` is none of a RegExp, a string or a function", () => {
    expect(() => faults.byPrompt([{ when: 42 as unknown as string, step: {} }])).toThrow(/rule 1's `when`/);
  });

  it("goes on after a list of steps: the first request fails, the rest are answered by prompt", async () => {
    server.script("gpt-eval", [faults.overloaded()], faults.byPrompt([{ when: /capital/, step: { text: "Paris." } }]));
    const ask = { model: "gpt-eval", messages: [{ role: "user" as const, content: prompts.capital }] };
    await expect(openai.chat.completions.create(ask)).rejects.toMatchObject({ status: 503 });
    expect((await openai.chat.completions.create(ask)).choices[0]?.message.content).toBe("Paris.");
  });

  it("keeps one-argument scripts working", async () => {
    server.script("gpt-eval", (attempt) => (attempt === 1 ? faults.serverError() : { text: `attempt ${attempt}` }));
    const ask = { model: "gpt-eval", messages: [{ role: "user" as const, content: "hi" }] };
    await expect(openai.chat.completions.create(ask)).rejects.toMatchObject({ status: 500 });
    expect((await openai.chat.completions.create(ask)).choices[0]?.message.content).toBe("attempt 2");
  });
});

describe("a script that throws, and hostile bodies", () => {
  it("answers 500 naming the error, logs why, is not retried by the SDKs, and keeps serving", async () => {
    let calls = 0;
    const throwing: FaultScript = (attempt, request) => {
      calls++;
      if (request.lastUserText.includes("boom")) throw new Error(`boom on ${attempt}`);
      return { text: "fine" };
    };
    server.script("gpt-eval", throwing).script("claude-eval", throwing).script("gemini-eval", throwing);
    // Default retries: x-should-retry: false keeps the SDKs from repeating a script's mistake.
    const retryingOpenAI = new OpenAI({ apiKey: "sk-test", baseURL: server.openaiBaseURL });
    const retryingAnthropic = new Anthropic({ apiKey: "sk-ant-test", baseURL: server.anthropicBaseURL });
    const openaiError = await retryingOpenAI.chat.completions
      .create({ model: "gpt-eval", messages: [{ role: "user", content: "boom" }] })
      .catch((e: unknown) => e);
    expect(openaiError).toBeInstanceOf(OpenAI.InternalServerError);
    expect((openaiError as Error).message).toContain('fault server: the script of "gpt-eval", on attempt 1, threw: boom on 1');
    const anthropicError = await retryingAnthropic.messages
      .create({ model: "claude-eval", max_tokens: 10, messages: [{ role: "user", content: "boom" }] })
      .catch((e: unknown) => e);
    expect(anthropicError).toBeInstanceOf(Anthropic.InternalServerError);
    expect((anthropicError as Error).message).toContain("threw: boom on 1");
    const geminiError = await gemini.models.generateContent({ model: "gemini-eval", contents: "boom" }).catch((e: unknown) => e);
    expect(geminiError).toBeInstanceOf(ApiError);
    expect((geminiError as ApiError).status).toBe(500);
    expect((geminiError as ApiError).message).toContain("threw: boom on 1");
    expect(calls).toBe(3);
    expect(server.log.map((entry) => [entry.provider, entry.fault, entry.status, entry.error])).toEqual([
      ["openai", "script-error", 500, 'the script of "gpt-eval", on attempt 1, threw: boom on 1'],
      ["anthropic", "script-error", 500, 'the script of "claude-eval", on attempt 1, threw: boom on 1'],
      ["gemini", "script-error", 500, 'the script of "gemini-eval", on attempt 1, threw: boom on 1'],
    ]);
    const fine = await openai.chat.completions.create({ model: "gpt-eval", messages: [{ role: "user", content: "hi" }] });
    expect(fine.choices[0]?.message.content).toBe("fine");
    expect(server.log.at(-1)).toMatchObject({ attempt: 2, fault: "answer", status: 200, error: undefined });
  });

  it("answers 500 to a script that returns a promise or something that is not a step", async () => {
    const ask = { model: "gpt-eval", messages: [{ role: "user" as const, content: "hi" }] };
    server.script("gpt-eval", (() => Promise.resolve({ text: "late" })) as unknown as FaultScript);
    await expect(openai.chat.completions.create(ask)).rejects.toMatchObject({ status: 500 });
    server.script("gpt-eval", (() => "Paris.") as unknown as FaultScript);
    await expect(openai.chat.completions.create(ask)).rejects.toMatchObject({ status: 500 });
    expect(server.log.map((entry) => entry.error)).toEqual([
      'the script of "gpt-eval", on attempt 1, returned a promise: a script returns a FaultStep, synchronously',
      'the script of "gpt-eval", on attempt 2, returned string, not a FaultStep',
    ]);
  });

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("reads fields of the wrong type as absent, in every format, and answers", async () => {
    const seen: ScriptedRequest[] = [];
    const script = recording(seen, () => ({ text: "ok" }));
    server.script("m-openai", script).script("m-anthropic", script).script("m-gemini", script);
    const openaiBody = {
      model: "m-openai",
      messages: [
        null,
        5,
        "user",
        { role: 7, content: "who?" },
        { role: "system", content: { text: "no" } },
        { role: "user", content: 42 },
        { role: "user", content: [null, 7, "text", { type: "text", text: { nested: true } }, { type: "text", text: "real" }] },
        { role: "assistant", content: [{ type: "refusal", refusal: "No." }], tool_calls: "x" },
      ],
      tools: "nope",
      functions: [null, { name: 3 }],
      tool_choice: { type: 5 },
      response_format: "json",
    };
    expect((await post("/v1/chat/completions", openaiBody)).status).toBe(200);
    const anthropicBody = {
      model: "m-anthropic",
      max_tokens: 10,
      system: 42,
      messages: [
        { role: "user", content: {} },
        { role: "user", content: [{ type: "tool_result", content: { x: 1 } }, { type: "text" }] },
        { role: "assistant", content: null },
        { role: "user", content: "last" },
      ],
      tools: [null, { name: null }, { name: "ok_tool" }],
      tool_choice: "any",
      output_config: { format: "json" },
    };
    expect((await post("/v1/messages", anthropicBody)).status).toBe(200);
    const geminiBody = {
      contents: [
        { parts: "x" },
        { role: "model" },
        { role: "user", parts: [null, { functionResponse: { name: "f" } }, { functionResponse: { response: [1, 2] } }] },
        { parts: [{ text: "thinking…", thought: true }, { text: 12 }, { text: "final" }] },
      ],
      systemInstruction: { parts: "x" },
      tools: [{ functionDeclarations: "x" }, null, { function_declarations: [{ name: "snake" }] }],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [1] } },
      generation_config: { response_mime_type: 5 },
    };
    expect((await post("/v1beta/models/m-gemini:generateContent", geminiBody)).status).toBe(200);

    expect(seen).toMatchObject([
      {
        provider: "openai",
        system: "",
        messages: [
          { role: "user", text: "" },
          { role: "user", text: "real" },
          { role: "assistant", text: "No." },
        ],
        lastUserText: "real",
        tools: [],
        toolChoice: undefined,
        wantsJson: false,
      },
      {
        provider: "anthropic",
        system: undefined,
        messages: [
          { role: "user", text: "" },
          { role: "tool", text: "" },
          { role: "assistant", text: "" },
          { role: "user", text: "last" },
        ],
        lastUserText: "last",
        tools: ["ok_tool"],
        toolChoice: undefined,
        wantsJson: false,
        jsonSchema: undefined,
      },
      {
        provider: "gemini",
        system: "",
        messages: [
          { role: "user", text: "" },
          { role: "assistant", text: "" },
          { role: "tool", text: "" },
          { role: "tool", text: "[1,2]" },
          { role: "user", text: "final" },
        ],
        lastUserText: "final",
        tools: ["snake"],
        toolChoice: "required",
        wantsJson: false,
      },
    ]);
    expect(server.log.map((entry) => [entry.status, entry.lastUserText])).toEqual([
      [200, "real"],
      [200, "last"],
      [200, "final"],
    ]);
  });

  it("does not call the script for a body that is no request, and keeps serving", async () => {
    let calls = 0;
    server.script("gpt-eval", () => {
      calls++;
      return {};
    });
    expect((await post("/v1/chat/completions", { model: "gpt-eval" })).status).toBe(400);
    expect((await post("/v1/chat/completions", { model: "gpt-eval", messages: "hi" })).status).toBe(400);
    expect((await post("/v1/chat/completions", [1, 2])).status).toBe(400);
    expect((await post("/v1/messages", { model: "gpt-eval", max_tokens: 1 })).status).toBe(400);
    expect((await post("/v1beta/models/gpt-eval:generateContent", { contents: {} })).status).toBe(400);
    expect((await post("/v1beta/models/%E0%A4%A:generateContent", { contents: [] })).status).toBe(400);
    expect(calls).toBe(0);
    expect(server.log).toEqual([]);
    expect((await post("/v1/chat/completions", { model: "gpt-eval", messages: [] })).status).toBe(200);
    expect(calls).toBe(1);
  });

  it("answers a huge prompt and a deeply nested body by their text", async () => {
    server.script(
      "gpt-eval",
      faults.byPrompt([{ when: /capital of France\?$/, step: { text: "Paris." } }], faults.serverError()),
    );
    const huge = `${"lorem ipsum ".repeat(700_000)}What is the capital of France?`;
    const answer = await openai.chat.completions.create({ model: "gpt-eval", messages: [{ role: "user", content: huge }] });
    expect(answer.choices[0]?.message.content).toBe("Paris.");
    expect(server.log[0]?.lastUserText).toHaveLength(huge.length);

    // JSON.parse reads this; JSON.stringify overflows the stack on it.
    const deep = `${"[".repeat(200_000)}1${"]".repeat(200_000)}`;
    const nested = `{"model":"gpt-eval","messages":[{"role":"tool","content":${deep}},{"role":"user","content":"What is the capital of France?"}]}`;
    const reply = await post("/v1/chat/completions", nested);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ choices: [{ message: { content: "Paris." } }] });
    expect(server.log[1]).toMatchObject({ status: 200, promptTokens: 0, lastUserText: "What is the capital of France?" });
  }, 30_000);
});
