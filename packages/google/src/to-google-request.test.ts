import type { ChatRequest } from "@understudy/core/adapter";
import { describe, expect, it } from "vitest";
import { foreignCallSignature } from "./thought-signature.ts";
import { type GoogleRequestSettings, toGoogleRequest } from "./to-google-request.ts";

const settings: GoogleRequestSettings = {
  provider: "google",
  modelId: "gemini-3-flash",
  sendCallIds: true,
  signForeignCalls: true,
  origin: { model: "gemini-3-flash", endpoint: "gemini-api https://generativelanguage.googleapis.com" },
  vertex: false,
};
/** Provider facts as this adapter writes them for a signature `settings.origin` issued. */
const signed = (thoughtSignature: string) => ({
  google: { thoughtSignature, signedBy: settings.origin.model, endpoint: settings.origin.endpoint },
});
const ask: ChatRequest = { messages: [{ role: "user", content: "What is the weather in Paris?" }] };
const weatherTool = {
  name: "get_weather",
  description: "Weather now",
  inputSchema: { type: "object", properties: { city: {} } },
};
const translate = (request: ChatRequest, overrides: Partial<GoogleRequestSettings> = {}) =>
  toGoogleRequest(request, { ...settings, ...overrides });
const refusal = (request: ChatRequest) => {
  try {
    translate(request);
  } catch (error) {
    return error;
  }
  throw new Error("translated without refusing");
};

describe("toGoogleRequest: the request", () => {
  it("puts the system prompt in systemInstruction, sampling in the config, and the assistant in the model role", () => {
    const body = translate({
      system: "Be brief.",
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello." },
        { role: "user", content: [{ type: "text", text: "Weather?" }] },
      ],
      maxTokens: 50,
      temperature: 0.2,
      topP: 0.9,
      stopSequences: ["END"],
    });
    expect(body).toEqual({
      model: "gemini-3-flash",
      contents: [
        { role: "user", parts: [{ text: "Hi" }] },
        { role: "model", parts: [{ text: "Hello." }] },
        { role: "user", parts: [{ text: "Weather?" }] },
      ],
      config: {
        systemInstruction: { parts: [{ text: "Be brief." }] },
        maxOutputTokens: 50,
        temperature: 0.2,
        topP: 0.9,
        stopSequences: ["END"],
      },
    });
  });

  it.each<[ChatRequest["toolChoice"], unknown]>([
    ["auto", { mode: "AUTO" }],
    ["none", { mode: "NONE" }],
    ["required", { mode: "ANY" }],
    [
      { type: "tool", name: "get_weather" },
      { mode: "ANY", allowedFunctionNames: ["get_weather"] },
    ],
  ])("declares tools with their JSON schema, and tool choice %j as functionCallingConfig", (toolChoice, config) => {
    const body = translate({ ...ask, tools: [weatherTool], ...(toolChoice ? { toolChoice } : {}) });
    expect(body.config.tools).toEqual([
      {
        functionDeclarations: [
          { name: "get_weather", description: "Weather now", parametersJsonSchema: weatherTool.inputSchema },
        ],
      },
    ]);
    expect(body.config.toolConfig).toEqual({ functionCallingConfig: config });
  });

  it("asks for JSON with responseMimeType, and the schema when there is one", () => {
    expect(translate({ ...ask, responseFormat: { type: "json", schema: { type: "object" }, name: "x" } }).config).toEqual({
      responseMimeType: "application/json",
      responseJsonSchema: { type: "object" },
    });
    expect(translate({ ...ask, responseFormat: { type: "json" } }).config).toEqual({ responseMimeType: "application/json" });
    expect(translate({ ...ask, responseFormat: { type: "text" } }).config).toEqual({});
  });

  it("merges providerOptions.google over the config (thinking, safety), and reads no other provider's", () => {
    const body = translate({
      ...ask,
      temperature: 0.5,
      providerOptions: {
        google: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true }, temperature: 0.1 },
        openai: { seed: 7 },
      },
    });
    expect(body.config).toEqual({ temperature: 0.1, thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
  });

  it("sends images inline (base64 or a data: URL) and by URL as fileData, the type guessed from the path", () => {
    const body = translate({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is it?" },
            { type: "image", data: "iVBORw0KGgo=", mediaType: "image/png" },
            { type: "image", url: "data:image/jpeg;base64,/9j/4AAQ" },
            { type: "image", url: "https://example.com/cat.webp?size=large" },
            { type: "image", url: "gs://bucket/photo.PNG" },
          ],
        },
      ],
    });
    expect(body.contents[0]?.parts).toEqual([
      { text: "what is it?" },
      { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
      { inlineData: { mimeType: "image/jpeg", data: "/9j/4AAQ" } },
      { fileData: { fileUri: "https://example.com/cat.webp?size=large", mimeType: "image/webp" } },
      { fileData: { fileUri: "gs://bucket/photo.PNG", mimeType: "image/png" } },
    ]);
  });

  it("sends a Files API URI without a type on the Gemini API (the file has its own), and refuses it on Vertex AI", () => {
    const uri = "https://generativelanguage.googleapis.com/v1beta/files/abc123";
    const request: ChatRequest = { messages: [{ role: "user", content: [{ type: "image", url: uri }] }] };
    expect(translate(request).contents[0]?.parts).toEqual([{ fileData: { fileUri: uri } }]);
    expect(() => translate(request, { vertex: true, sendCallIds: false })).toThrow(/whose type its path does not tell/);
  });

  it("leaves out empty texts and the turns they leave empty (Gemini refuses a part without data)", () => {
    const body = translate({
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "" },
        {
          role: "user",
          content: [
            { type: "text", text: "" },
            { type: "text", text: "again" },
          ],
        },
      ],
    });
    expect(body.contents).toEqual([{ role: "user", parts: [{ text: "Hi" }, { text: "again" }] }]);
  });
});

describe("toGoogleRequest: what Gemini cannot take is refused as unsupported, naming it", () => {
  it.each<[string, ChatRequest, RegExp]>([
    ["six stop sequences", { ...ask, stopSequences: ["a", "b", "c", "d", "e", "f"] }, /more than 5 stop sequences/],
    [
      "an image type Gemini does not read",
      { messages: [{ role: "user", content: [{ type: "image", data: "R0lG", mediaType: "image/gif" }] }] },
      /image\/gif/,
    ],
    [
      "an image URL of another scheme",
      { messages: [{ role: "user", content: [{ type: "image", url: "ftp://example.com/a.png" }] }] },
      /scheme ftp:/,
    ],
    [
      "an image URL of a type Gemini does not read (.gif)",
      { messages: [{ role: "user", content: [{ type: "image", url: "https://example.com/a.gif" }] }] },
      /an image of type image\/gif \(it takes png, jpeg, webp, heic, heif\)/,
    ],
    [
      "an image URL whose path tells no type",
      { messages: [{ role: "user", content: [{ type: "image", url: "https://example.com/img?id=3" }] }] },
      /an image URL whose type its path does not tell \(https:\/\/example\.com\/img\?id=3\)/,
    ],
    [
      "a data: URL that is not base64",
      { messages: [{ role: "user", content: [{ type: "image", url: "data:image/png,abc" }] }] },
      /not base64/,
    ],
    [
      "tool call arguments that are not an object",
      {
        messages: [
          { role: "user", content: "Hi" },
          { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "t", args: [1, 2] }] },
        ],
      },
      /arguments are not an object/,
    ],
  ])("%s", (_name, request, message) => {
    expect(refusal(request)).toMatchObject({ kind: "unsupported", provider: "google", model: "gemini-3-flash" });
    expect((refusal(request) as Error).message).toMatch(message);
  });
});

describe("toGoogleRequest: tool calls and results", () => {
  const history = (calls: ChatRequest["messages"][number], results: ChatRequest["messages"][number]): ChatRequest => ({
    messages: [{ role: "user", content: "Weather in Paris and Lyon?" }, calls, results, { role: "user", content: "Thanks." }],
    tools: [weatherTool],
  });

  it("sends a Gemini call back with its id and thought signature, and its result wrapped as { output } in one user turn", () => {
    const body = translate(
      history(
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking.", providerMetadata: signed("c2lnLXRleHQ=") },
            {
              type: "tool-call",
              id: "fc_1",
              name: "get_weather",
              args: { city: "Paris" },
              providerMetadata: signed("c2lnLTE="),
            },
            { type: "tool-call", id: "fc_2", name: "get_weather", args: { city: "Lyon" } },
          ],
        },
        {
          role: "tool",
          content: [
            { type: "tool-result", toolCallId: "fc_2", toolName: "get_weather", result: { temp: 18 } },
            { type: "tool-result", toolCallId: "fc_1", toolName: "get_weather", result: "21°C" },
          ],
        },
      ),
    );
    expect(body.contents.slice(1)).toEqual([
      {
        role: "model",
        parts: [
          { text: "Checking.", thoughtSignature: "c2lnLXRleHQ=" },
          { functionCall: { name: "get_weather", args: { city: "Paris" }, id: "fc_1" }, thoughtSignature: "c2lnLTE=" },
          // A parallel call after the first carries no signature of its own, and is given none.
          { functionCall: { name: "get_weather", args: { city: "Lyon" }, id: "fc_2" } },
        ],
      },
      {
        role: "user",
        parts: [
          // In the order of the calls, whatever the order of the results.
          { functionResponse: { name: "get_weather", id: "fc_1", response: { output: "21°C" } } },
          { functionResponse: { name: "get_weather", id: "fc_2", response: { output: { temp: 18 } } } },
          { text: "Thanks." },
        ],
      },
    ]);
  });

  it("sends no made-up id back: the result is matched to its call by name and order", () => {
    const body = translate(
      history(
        {
          role: "assistant",
          content: [
            {
              type: "tool-call",
              id: "gemini_call_resp1_0",
              name: "get_weather",
              args: {},
              providerMetadata: signed("s"),
            },
          ],
        },
        {
          role: "tool",
          content: [{ type: "tool-result", toolCallId: "gemini_call_resp1_0", toolName: "get_weather", result: null }],
        },
      ),
    );
    expect(body.contents[1]?.parts).toEqual([{ functionCall: { name: "get_weather", args: {} }, thoughtSignature: "s" }]);
    expect(body.contents[2]?.parts?.[0]).toEqual({ functionResponse: { name: "get_weather", response: { output: null } } });
  });

  it("marks a failed tool's result as { error }", () => {
    const body = translate(
      history(
        { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "get_weather", args: {} }] },
        {
          role: "tool",
          content: [{ type: "tool-result", toolCallId: "c1", toolName: "get_weather", result: "no such city", isError: true }],
        },
      ),
    );
    expect(body.contents[2]?.parts?.[0]).toEqual({
      functionResponse: { name: "get_weather", id: "c1", response: { error: "no such city" } },
    });
  });

  it("signs another model's calls with the documented skip value, the first call of each turn only", () => {
    const body = translate({
      messages: [
        { role: "user", content: "Paris and Lyon?" },
        {
          role: "assistant",
          content: [
            { type: "tool-call", id: "toolu_1", name: "get_weather", args: { city: "Paris" } },
            { type: "tool-call", id: "toolu_2", name: "get_weather", args: { city: "Lyon" } },
          ],
        },
        {
          role: "tool",
          content: [
            { type: "tool-result", toolCallId: "toolu_1", toolName: "get_weather", result: "21" },
            { type: "tool-result", toolCallId: "toolu_2", toolName: "get_weather", result: "18" },
          ],
        },
        { role: "assistant", content: [{ type: "tool-call", id: "toolu_3", name: "get_weather", args: { city: "Nice" } }] },
        { role: "tool", content: [{ type: "tool-result", toolCallId: "toolu_3", toolName: "get_weather", result: "25" }] },
      ],
    });
    const signatures = body.contents.flatMap((content) =>
      (content.parts ?? []).filter((part) => part.functionCall).map((part) => part.thoughtSignature),
    );
    expect(signatures).toEqual([foreignCallSignature, undefined, foreignCallSignature]);
    expect(foreignCallSignature).toBe("skip_thought_signature_validator");
  });

  it("signs no call for a model that does not check signatures, and sends no ids where they are not taken (Vertex AI)", () => {
    const request = history(
      { role: "assistant", content: [{ type: "tool-call", id: "toolu_1", name: "get_weather", args: {} }] },
      { role: "tool", content: [{ type: "tool-result", toolCallId: "toolu_1", toolName: "get_weather", result: 1 }] },
    );
    const body = translate(request, { signForeignCalls: false, sendCallIds: false });
    expect(body.contents[1]?.parts).toEqual([{ functionCall: { name: "get_weather", args: {} } }]);
    expect(body.contents[2]?.parts?.[0]).toEqual({ functionResponse: { name: "get_weather", response: { output: 1 } } });
  });

  it("names a result by its call when the result does not, and refuses one that nothing names", () => {
    const named = translate(
      history(
        { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "get_weather", args: {} }] },
        { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "", result: 1 }] },
      ),
    );
    expect(named.contents[2]?.parts?.[0]?.functionResponse?.name).toBe("get_weather");
    const orphan = refusal({
      messages: [
        { role: "user", content: "Hi" },
        { role: "tool", content: [{ type: "tool-result", toolCallId: "x", toolName: "", result: 1 }] },
      ],
    });
    expect(orphan).toMatchObject({ kind: "unsupported" });
  });

  it("orders the responses of one turn by their calls even when the results came in two tool messages, in the other order", () => {
    const calls: ChatRequest["messages"][number] = {
      role: "assistant",
      content: [
        { type: "tool-call", id: "a", name: "get_weather", args: { city: "Paris" } },
        { type: "tool-call", id: "b", name: "get_weather", args: { city: "Lyon" } },
      ],
    };
    const result = (toolCallId: string, value: string): ChatRequest["messages"][number] => ({
      role: "tool",
      content: [{ type: "tool-result", toolCallId, toolName: "get_weather", result: value }],
    });
    // Vertex AI is sent no ids: its responses are matched by name and order alone.
    const body = translate(
      { messages: [{ role: "user", content: "Paris and Lyon?" }, calls, result("b", "Lyon 18"), result("a", "Paris 21")] },
      { sendCallIds: false, vertex: true },
    );
    expect(body.contents[2]).toEqual({
      role: "user",
      parts: [
        { functionResponse: { name: "get_weather", response: { output: "Paris 21" } } },
        { functionResponse: { name: "get_weather", response: { output: "Lyon 18" } } },
      ],
    });
  });

  it("names a response by the call it answers, whatever name the result gives (Gemini matches them by name)", () => {
    const body = translate(
      history(
        { role: "assistant", content: [{ type: "tool-call", id: "toolu_01", name: "get_weather", args: {} }] },
        { role: "tool", content: [{ type: "tool-result", toolCallId: "toolu_01", toolName: "getWeather", result: "21" }] },
      ),
    );
    expect(body.contents[2]?.parts?.[0]).toEqual({
      functionResponse: { name: "get_weather", id: "toolu_01", response: { output: "21" } },
    });
  });

  it("sends a thought signature back only to the model and endpoint that issued it; any other is another model's", () => {
    const callWith = (google: Record<string, unknown>): ChatRequest["messages"][number] => ({
      role: "assistant",
      content: [
        { type: "text", text: "Checking.", providerMetadata: { google } },
        { type: "tool-call", id: "fc_1", name: "get_weather", args: {}, providerMetadata: { google } },
      ],
    });
    const sentBack = (google: Record<string, unknown>, overrides: Partial<GoogleRequestSettings> = {}) =>
      translate(
        history(callWith(google), {
          role: "tool",
          content: [{ type: "tool-result", toolCallId: "fc_1", toolName: "get_weather", result: 1 }],
        }),
        overrides,
      ).contents[1]?.parts?.map((part) => part.thoughtSignature);
    const own = { thoughtSignature: "c2ln", signedBy: "gemini-3-flash", endpoint: settings.origin.endpoint };
    expect(sentBack(own)).toEqual(["c2ln", "c2ln"]);
    // The same model under its resource name is the same model.
    expect(sentBack(own, { origin: { ...settings.origin, model: "models/gemini-3-flash" } })).toEqual(["c2ln", "c2ln"]);
    // Another Gemini model, the same model on Vertex AI, or a signature of no known origin: never replayed.
    const foreign = [undefined, foreignCallSignature];
    expect(sentBack({ ...own, signedBy: "gemini-3-pro" })).toEqual(foreign);
    expect(sentBack({ ...own, endpoint: "vertex-ai https://aiplatform.googleapis.com" })).toEqual(foreign);
    expect(sentBack({ thoughtSignature: "c2ln" })).toEqual(foreign);
    // A model that checks no signatures is sent none of another's.
    expect(sentBack({ ...own, signedBy: "gemini-3-pro" }, { signForeignCalls: false })).toEqual([undefined, undefined]);
  });

  it("throws (an invalid_request once the skeleton sees it) for a result that is not JSON", () => {
    const request = history(
      { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "get_weather", args: {} }] },
      { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "get_weather", result: { n: 1n } }] },
    );
    expect(() => translate(request)).toThrow(TypeError);
  });
});
