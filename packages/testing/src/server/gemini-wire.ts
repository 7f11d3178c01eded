import type { ProviderFailure, RetryHint } from "./fault-step.ts";
import {
  arrayOf,
  fieldOf,
  lastUserTextOf,
  recordOf,
  type ScriptedRequest,
  type ScriptedToolChoice,
  stringOf,
  Transcript,
  textOfValue,
} from "./scripted-request.ts";
import {
  type Answer,
  type AnswerToolCall,
  type FailureContext,
  type HttpReply,
  type ParsedRequest,
  promptCharsOf,
  type SseEvent,
  sse,
  tokensOf,
  type WireFormat,
} from "./wire-format.ts";

// The Gemini API (Google AI, `generativelanguage.googleapis.com`) wire format, as documented:
//   generateContent, streamGenerateContent, GenerateContentResponse, Candidate,
//   FinishReason, UsageMetadata, PromptFeedback:
//                                  https://ai.google.dev/api/generate-content
//   function calls (optional id):  https://ai.google.dev/gemini-api/docs/function-calling
//   thought signatures:            https://ai.google.dev/gemini-api/docs/thought-signatures
//   errors (google.rpc.Status):    https://ai.google.dev/gemini-api/docs/troubleshooting
//                                  https://cloud.google.com/apis/design/errors
//   QuotaFailure, RetryInfo, Help, ErrorInfo, BadRequest:
//                                  https://github.com/googleapis/googleapis/blob/master/google/rpc/error_details.proto
//   rate limits and quotas:        https://ai.google.dev/gemini-api/docs/rate-limits
// and as the @google/genai SDK reads it (https://github.com/googleapis/js-genai, src/_api_client.ts):
// `${baseUrl}/${apiVersion}/models/${model}:generateContent` and `:streamGenerateContent?alt=sse`
// (apiVersion `v1` by default since 3.0, `v1beta` before),
// the key in `x-goog-api-key`; SSE events split on a blank line and read from their `data:` line;
// an HTTP error becomes `ApiError { status, message: JSON.stringify(body) }` (a body that is not
// `application/json` is wrapped as `{"error":{"message":<text>,"code":<status>,"status":<statusText>}}`);
// a `data: {"error":{"code":…}}` chunk becomes `ApiError { status: code, message: "got status: …" }`.
// The error bodies below are the ones Gemini sends, as users quote them (cited per failure).

/** Translated finish reasons: Gemini ends a turn with function calls as `STOP`. */
const finishReasons = { stop: "STOP", length: "MAX_TOKENS", "tool-calls": "STOP", "content-filter": "SAFETY" } as const;

/** Gemini ends its SSE lines with CRLF (the SDK splits on `\n\n`, `\r\r` and `\r\n\r\n`). */
const eol = "\r\n";

/**
 * The paths of Gemini's two content methods: `/{version}/models/{model}:generateContent` and
 * `:streamGenerateContent`, for `v1` (the default of @google/genai 3), `v1beta` (of 1.x and 2.x)
 * and `v1alpha`, and for tuned models (`tunedModels/{id}`).
 */
export const geminiPath = /^\/(v1beta|v1|v1alpha)\/(models|tunedModels)\/([^/:]+):(generateContent|streamGenerateContent)$/;

/** A `google.rpc.Status`, the `error` of every Gemini error body. */
interface RpcStatus {
  readonly code: number;
  readonly message: string;
  readonly status: string;
  readonly details?: readonly Record<string, unknown>[];
}

type Rendered =
  | { readonly kind: "error"; readonly error: RpcStatus; readonly headers?: Record<string, string> }
  | { readonly kind: "html"; readonly status: number; readonly html: string; readonly statusText: string }
  | { readonly kind: "blocked" };

const helpQuotas = {
  "@type": "type.googleapis.com/google.rpc.Help",
  links: [{ description: "Learn more about Gemini API quotas", url: "https://ai.google.dev/gemini-api/docs/rate-limits" }],
};

/** The safety ratings of a blocked prompt or candidate: one category over the threshold. */
const blockedRatings = [
  { category: "HARM_CATEGORY_SEXUALLY_EXPLICIT", probability: "NEGLIGIBLE" },
  { category: "HARM_CATEGORY_HATE_SPEECH", probability: "NEGLIGIBLE" },
  { category: "HARM_CATEGORY_HARASSMENT", probability: "NEGLIGIBLE" },
  { category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true },
];

/**
 * A `google.protobuf.Duration` in its JSON form, as RetryInfo's `retryDelay`: seconds with up to
 * nine decimals and an `s` (`"36s"`, `"0.5s"`).
 */
export function googleDuration(ms: number): string {
  return `${Number((ms / 1_000).toFixed(9))}s`;
}

/** The `retryDelay` a hint asks for: as written, else from its ms, seconds or date. */
function retryDelayOf(retry: RetryHint | undefined): string | undefined {
  if (retry?.retryDelay !== undefined) return retry.retryDelay;
  if (retry?.retryAfterMs !== undefined) return googleDuration(retry.retryAfterMs);
  if (retry?.retryAfterSeconds !== undefined) return googleDuration(retry.retryAfterSeconds * 1_000);
  if (retry?.retryAfterDateInMs !== undefined) return googleDuration(retry.retryAfterDateInMs);
  return undefined;
}

/**
 * A 429 `RESOURCE_EXHAUSTED` of the free tier's request quota, per minute or per day: a QuotaFailure
 * naming the quota, and the delay in the message and a RetryInfo when there is one (Gemini sends
 * one with daily quotas too). As quoted in https://github.com/googleapis/python-genai/issues/2044,
 * https://github.com/google-gemini/gemini-cli/issues/8437 and
 * https://github.com/diegosouzapw/OmniRoute/issues/9504.
 */
function quotaExhausted(per: "Minute" | "Day", model: string, delay: string | undefined): RpcStatus {
  const limit = per === "Minute" ? 10 : 250;
  const metric = "generativelanguage.googleapis.com/generate_content_free_tier_requests";
  return {
    code: 429,
    message:
      "You exceeded your current quota, please check your plan and billing details. For more information on this error, " +
      "head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/rate-limit. " +
      `\n* Quota exceeded for metric: ${metric}, limit: ${limit}, model: ${model}` +
      (delay === undefined ? "" : `\nPlease retry in ${delay}.`),
    status: "RESOURCE_EXHAUSTED",
    details: [
      helpQuotas,
      {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        violations: [
          {
            quotaMetric: metric,
            quotaId: `GenerateRequestsPer${per}PerProjectPerModel-FreeTier`,
            quotaDimensions: { location: "global", model },
            quotaValue: String(limit),
          },
        ],
      },
    ],
  };
}

function rendered(failure: ProviderFailure, context: FailureContext): Rendered {
  const { model } = context;
  const error = (code: number, status: string, message: string, details?: RpcStatus["details"]): Rendered => ({
    kind: "error",
    error: { code, message, status, ...(details ? { details } : {}) },
  });
  switch (failure) {
    case "rate_limit":
      return { kind: "error", error: quotaExhausted("Minute", model, retryDelayOf(context.retry)) };
    case "quota":
      return { kind: "error", error: quotaExhausted("Day", model, retryDelayOf(context.retry)) };
    case "billing":
      // https://ai.google.dev/gemini-api/docs/troubleshooting: 400 FAILED_PRECONDITION, no free tier here and no billing.
      return error(
        400,
        "FAILED_PRECONDITION",
        "Gemini API free tier is not available in your country. Please enable billing on your project in Google AI Studio.",
      );
    case "overloaded":
      // https://github.com/musistudio/claude-code-router/issues/1011
      return error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
    case "server":
      // https://github.com/google-gemini/gemini-cli/issues/3665
      return error(
        500,
        "INTERNAL",
        "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
      );
    case "bad_gateway":
      // Google's front end answers a 502 with its own HTML error page, not a google.rpc.Status.
      return {
        kind: "html",
        status: 502,
        statusText: "Bad Gateway",
        html:
          "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 502 (Server Error)!!1</title>\n" +
          "  <p><b>502.</b> <ins>That’s an error.</ins>\n  <p>The server encountered a temporary error and could not " +
          "complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>\n",
      };
    case "gateway_timeout":
      // https://ai.google.dev/gemini-api/docs/troubleshooting: 504 DEADLINE_EXCEEDED.
      return error(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.");
    case "context_length":
      // https://github.com/google-gemini/gemini-cli/issues/4231
      return error(
        400,
        "INVALID_ARGUMENT",
        "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).",
      );
    case "content_policy":
      // Gemini refuses a prompt with a 200: `promptFeedback.blockReason` and no candidates.
      return { kind: "blocked" };
    case "auth":
      // A bad key is a 400, not a 401: https://github.com/continuedev/continue/issues/8516
      return error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "API_KEY_INVALID",
          domain: "googleapis.com",
          metadata: { service: "generativelanguage.googleapis.com" },
        },
        {
          "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
          locale: "en-US",
          message: "API key not valid. Please pass a valid API key.",
        },
      ]);
    case "unauthenticated":
      // A bad OAuth token (https://github.com/quarkiverse/quarkus-langchain4j/issues/825), with its header.
      return {
        kind: "error",
        error: {
          code: 401,
          message:
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid " +
            "authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
          status: "UNAUTHENTICATED",
        },
        headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/"' },
      };
    case "forbidden":
      // https://github.com/google-gemini/gemini-cli/issues/14519
      return error(403, "PERMISSION_DENIED", "The caller does not have permission");
    case "not_found": {
      // https://github.com/wwardaww/gnome-gemini-ai/issues/22
      const [, version = "v1beta", , , method = "generateContent"] = geminiPath.exec(context.url.pathname) ?? [];
      return error(
        404,
        "NOT_FOUND",
        `models/${model} is not found for API version ${version}, or is not supported for ${method}. ` +
          "Call ListModels to see the list of available models and their supported methods.",
      );
    }
    case "invalid_request":
      return error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.");
    case "unprocessable": {
      // Gemini has no 422: a body of the wrong shape is a 400 with a BadRequest naming the field.
      const message = "Invalid JSON payload received. Unknown name \"fault\" at 'generation_config': Cannot find field.";
      return error(400, "INVALID_ARGUMENT", message, [
        {
          "@type": "type.googleapis.com/google.rpc.BadRequest",
          fieldViolations: [{ field: "generation_config", description: message }],
        },
      ]);
    }
    case "prefill_rejected":
      // Gemini's wording for a conversation that does not end with the user.
      return error(
        400,
        "INVALID_ARGUMENT",
        "Please ensure that single turn requests end with a user role or the role field is empty.",
      );
  }
}

/** The google.rpc.Status of a failure, a RetryInfo appended when the step gives a delay. */
function statusOf(failure: ProviderFailure, context: FailureContext): { status: RpcStatus; rendered: Rendered } {
  const reply = rendered(failure, context);
  const base: RpcStatus =
    reply.kind === "error"
      ? reply.error
      : reply.kind === "html"
        ? { code: reply.status, message: reply.statusText, status: "UNAVAILABLE" }
        : // Never sent: a blocked prompt is a 200 (and mid-stream, a SAFETY finish).
          { code: 400, message: "The prompt was blocked.", status: "INVALID_ARGUMENT" };
  const delay = retryDelayOf(context.retry);
  if (delay === undefined) return { status: base, rendered: reply };
  const retryInfo = { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: delay };
  return { status: { ...base, details: [...(base.details ?? []), retryInfo] }, rendered: reply };
}

/** A blocked prompt: no candidates, the reason in `promptFeedback`, the prompt's usage. */
function blockedPrompt(context: FailureContext) {
  return {
    promptFeedback: { blockReason: "SAFETY", safetyRatings: blockedRatings },
    usageMetadata: {
      promptTokenCount: context.promptTokens,
      totalTokenCount: context.promptTokens,
      promptTokensDetails: [{ modality: "TEXT", tokenCount: context.promptTokens }],
    },
    modelVersion: context.model,
    responseId: `fault_blocked_${context.now.toString(36)}`,
  };
}

function invalidArgument(message: string): HttpReply {
  return {
    status: 400,
    headers: { "content-type": "application/json; charset=UTF-8" },
    body: pretty({ error: { code: 400, message, status: "INVALID_ARGUMENT" } }),
  };
}

/** Google's APIs pretty-print their JSON bodies, two spaces, with a final newline. */
function pretty(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * The fake `thoughtSignature` the fault server puts on the first function call of a Gemini
 * answer (unless the step's call gives its own): stable for a call id, base64 as real ones are.
 * A test can assert that the next request sends it back on that call's part.
 *
 * @example
 * ```ts
 * server.script("gemini-3-pro", [{ toolCalls: [{ id: "c1", name: "get_weather", args: {} }] }]);
 * // … the client answers the call; then
 * expect(server.log[1].body).toMatchObject({
 *   contents: [{}, { parts: [{ thoughtSignature: faultThoughtSignature("c1") }] }, {}],
 * });
 * ```
 */
export function faultThoughtSignature(callId: string): string {
  return Buffer.from(`understudy-fault-thought-signature:${callId}`).toString("base64");
}

function callPart(call: AnswerToolCall, index: number): Record<string, unknown> {
  const signature =
    call.thoughtSignature === undefined ? (index === 0 ? faultThoughtSignature(call.id) : undefined) : call.thoughtSignature;
  return {
    functionCall: { ...(call.omitId ? {} : { id: call.id }), name: call.name, args: argsOf(call) },
    ...(signature === undefined || signature === false ? {} : { thoughtSignature: signature }),
  };
}

/** Gemini's `args` is an object: the text parsed, or the text itself when it is not JSON. */
function argsOf(call: AnswerToolCall): unknown {
  try {
    return JSON.parse(call.argsText);
  } catch {
    return call.argsText;
  }
}

function finishReasonOf(answer: Answer): string {
  return answer.rawFinishReason ?? finishReasons[answer.finishReason];
}

/** A candidate's closing fields: its finish reason, and the safety ratings of a safety stop. */
function finished(answer: Answer) {
  const reason = finishReasonOf(answer);
  return { finishReason: reason, ...(reason === "SAFETY" ? { safetyRatings: blockedRatings } : {}), index: 0 };
}

/**
 * `usageMetadata`: `promptTokenCount` includes the cached tokens, `candidatesTokenCount` excludes
 * the thoughts, `totalTokenCount` adds them up. `output` is the candidates' tokens so far.
 */
function usageOf(answer: Answer, output = answer.usage.output) {
  const { input, cached, reasoning } = answer.usage;
  const prompt = input + cached;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: output,
    totalTokenCount: prompt + output + reasoning,
    ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
    promptTokensDetails: [{ modality: "TEXT", tokenCount: prompt }],
    ...(cached > 0 ? { cacheTokensDetails: [{ modality: "TEXT", tokenCount: cached }] } : {}),
    ...(reasoning > 0 ? { thoughtsTokenCount: reasoning } : {}),
    ...answer.rawUsage,
  };
}

/**
 * The neutral view of a `generateContent` body, its fields read in camelCase
 * (as the SDK sends them) or snake_case (as the REST API also takes them):
 * `systemInstruction` (a Content's text parts); `contents` whose role is
 * `user` (or none) or `model` (the assistant), text parts the text (thought
 * parts left out) and each `functionResponse` part a tool message; the names
 * of `tools[].functionDeclarations`; `toolConfig.functionCallingConfig`
 * (`ANY` with one allowed function name is that name, else `required`;
 * `VALIDATED` is `auto`); JSON asked by `generationConfig.responseMimeType:
 * "application/json"` or a `responseJsonSchema` / `responseSchema`.
 */
function scriptedRequestOf(fields: Record<string, unknown>, model: string, stream: boolean): ScriptedRequest {
  const transcript = new Transcript();
  for (const item of arrayOf(fields.contents)) {
    const content = recordOf(item);
    const parts = arrayOf(content?.parts).map(recordOf);
    if (content?.role === "model") {
      transcript.assistant(partsText(parts));
      continue;
    }
    for (const part of parts) {
      const response = recordOf(fieldOf(part, "functionResponse", "function_response"));
      if (response) transcript.toolResult(functionResponseText(response.response));
      else if (typeof part?.text === "string" && part.thought !== true) transcript.userText(part.text);
    }
    transcript.endUserTurn();
  }
  const instruction = fieldOf(fields, "systemInstruction", "system_instruction");
  const generation = recordOf(fieldOf(fields, "generationConfig", "generation_config"));
  const mimeType = stringOf(fieldOf(generation, "responseMimeType", "response_mime_type"));
  const jsonSchema =
    fieldOf(generation, "responseJsonSchema", "response_json_schema") ?? fieldOf(generation, "responseSchema", "response_schema");
  return {
    provider: "gemini",
    model,
    system:
      typeof instruction === "string"
        ? instruction
        : recordOf(instruction)
          ? partsText(arrayOf(recordOf(instruction)?.parts).map(recordOf))
          : undefined,
    messages: transcript.messages,
    lastUserText: lastUserTextOf(transcript.messages),
    tools: arrayOf(fields.tools).flatMap((tool) =>
      arrayOf(fieldOf(recordOf(tool), "functionDeclarations", "function_declarations")).flatMap((declaration) => {
        const name = stringOf(recordOf(declaration)?.name);
        return name === undefined ? [] : [name];
      }),
    ),
    toolChoice: toolChoiceOf(fields),
    wantsJson: mimeType?.toLowerCase().startsWith("application/json") === true || jsonSchema !== undefined,
    jsonSchema,
    stream,
    body: fields,
  };
}

/** The text parts of a Content, joined by a newline, thoughts left out. */
function partsText(parts: readonly (Record<string, unknown> | undefined)[]): string {
  return parts.flatMap((part) => (typeof part?.text === "string" && part.thought !== true ? [part.text] : [])).join("\n");
}

/** A `functionResponse.response` as text: its `output` when that is all it holds (as adapters wrap results), else all of it. */
function functionResponseText(response: unknown): string {
  const fields = recordOf(response);
  if (fields && "output" in fields && Object.keys(fields).length === 1) return textOfValue(fields.output);
  return response === undefined ? "" : textOfValue(response);
}

/** `toolConfig.functionCallingConfig`: `AUTO`, `NONE`, `ANY` (with its allowed names), `VALIDATED`. */
function toolChoiceOf(fields: Record<string, unknown>): ScriptedToolChoice | undefined {
  const config = recordOf(
    fieldOf(recordOf(fieldOf(fields, "toolConfig", "tool_config")), "functionCallingConfig", "function_calling_config"),
  );
  const allowed = arrayOf(fieldOf(config, "allowedFunctionNames", "allowed_function_names"));
  switch (config?.mode) {
    case "AUTO":
    case "VALIDATED":
      return "auto";
    case "NONE":
      return "none";
    case "ANY": {
      const only = allowed.length === 1 ? stringOf(allowed[0]) : undefined;
      return only === undefined ? "required" : { name: only };
    }
    default:
      return undefined;
  }
}

/** The Gemini API format (`/v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`). */
export const geminiWire: WireFormat = {
  provider: "gemini",
  // Gemini sends no request id header (its answers carry `responseId`): only a key echo asking for
  // one puts an `x-request-id` on the reply, as a proxy in front of Gemini may.
  requestIdHeader: "x-request-id",
  sendsRequestId: false,

  parse(body: unknown, url: URL): ParsedRequest | HttpReply {
    const [, , collection, name = "", method] = geminiPath.exec(url.pathname) ?? [];
    const stream = method === "streamGenerateContent";
    if (stream && url.searchParams.get("alt") !== "sse") {
      // Without alt=sse Gemini streams a JSON array, which this server does not speak.
      return invalidArgument("fault server: :streamGenerateContent is answered only with ?alt=sse (as the SDK asks).");
    }
    const fields = body as Record<string, unknown> | null;
    if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
      return invalidArgument("Invalid JSON payload received. Unexpected token.");
    }
    if (!Array.isArray(fields.contents)) {
      return invalidArgument("* GenerateContentRequest.contents: contents is not specified\n");
    }
    const contents = fields.contents as { role?: unknown }[];
    let decoded: string;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      return invalidArgument(`fault server: the model name in the path is not valid percent-encoding (${name.slice(0, 100)}).`);
    }
    const model = collection === "tunedModels" ? `tunedModels/${decoded}` : decoded;
    return {
      model,
      stream,
      includeUsage: true,
      promptChars: promptCharsOf(fields.systemInstruction, fields.contents, fields.tools),
      endsWithAssistant: contents.at(-1)?.role === "model",
      request: scriptedRequestOf(fields, model, stream),
    };
  },

  failure(failure: ProviderFailure, context: FailureContext): HttpReply {
    const { status, rendered: reply } = statusOf(failure, context);
    const raw = context.retry?.headers;
    if (reply.kind === "blocked") {
      const blocked = blockedPrompt(context);
      return context.stream
        ? { status: 200, headers: { "content-type": "text/event-stream", ...raw }, body: sse(blocked, undefined, eol) }
        : { status: 200, headers: { "content-type": "application/json; charset=UTF-8", ...raw }, body: pretty(blocked) };
    }
    if (reply.kind === "html") {
      return { status: reply.status, headers: { "content-type": "text/html; charset=UTF-8", ...raw }, body: reply.html };
    }
    // The delay is in the body (RetryInfo); raw headers are sent as written all the same.
    return {
      status: status.code,
      headers: { "content-type": "application/json; charset=UTF-8", ...reply.headers, ...raw },
      body: pretty({ error: status }),
    };
  },

  windowHeaders(): Record<string, string> {
    // Gemini sends no rate-limit headers.
    return {};
  },

  json(answer: Answer): string {
    const parts = [
      ...(answer.text === "" ? [] : [{ text: answer.text }]),
      ...answer.toolCalls.map((call, index) => callPart(call, index)),
    ];
    return pretty({
      candidates: [{ ...(parts.length > 0 ? { content: { parts, role: "model" } } : {}), ...finished(answer) }],
      usageMetadata: usageOf(answer),
      modelVersion: answer.model,
      responseId: answer.id,
    });
  },

  events(answer: Answer, { omitDone, separateFinish }): SseEvent[] {
    // Every chunk is a whole GenerateContentResponse carrying the usage so far. The finish reason
    // (and the final usage) rides on the last chunk with content, as Gemini usually sends it; with
    // `separateFinish`, or when there is no content, on a chunk of its own after it (an empty text
    // part), as Gemini sometimes does. Without it (`omitDone`), the stream did not finish.
    const chunks: { candidate: Record<string, unknown>; output: number }[] = [];
    let output = 0;
    for (const token of tokensOf(answer.text)) {
      output++;
      chunks.push({ candidate: { content: { parts: [{ text: token }], role: "model" } }, output });
    }
    answer.toolCalls.forEach((call, index) => {
      // Gemini sends a function call whole, in one part, never its arguments in pieces.
      output += Math.ceil(call.argsText.length / 4);
      chunks.push({
        candidate: { content: { parts: [callPart(call, index)], role: "model" } },
        output: Math.min(output, answer.usage.output),
      });
    });
    const content = chunks.length;
    const last = chunks.at(-1);
    if (!omitDone) {
      if (last && !separateFinish) {
        last.candidate = { ...last.candidate, ...finished(answer) };
        last.output = answer.usage.output;
      } else {
        const empty = answer.toolCalls.length > 0 ? {} : { content: { parts: [{ text: "" }], role: "model" } };
        chunks.push({ candidate: { ...empty, ...finished(answer) }, output: answer.usage.output });
      }
    }
    return chunks.map(({ candidate, output: soFar }, index) => ({
      text: sse(
        {
          candidates: [{ ...candidate, index: 0 }],
          usageMetadata: usageOf(answer, soFar),
          modelVersion: answer.model,
          responseId: answer.id,
        },
        undefined,
        eol,
      ),
      content: index < content,
    }));
  },

  streamFailure(failure: ProviderFailure, context: FailureContext): SseEvent {
    if (failure === "content_policy") {
      // A safety stop mid-answer is no error: the candidate ends with finishReason SAFETY.
      const candidate = { finishReason: "SAFETY", safetyRatings: blockedRatings, index: 0 };
      return { text: sse({ candidates: [candidate], modelVersion: context.model }, undefined, eol), content: false };
    }
    // An error after the 200 is a chunk of its own: `{"error": {google.rpc.Status}}`, which the
    // SDK throws as an ApiError when its `code` is a number from 400 to 599.
    return { text: sse({ error: statusOf(failure, context).status }, undefined, eol), content: false };
  },

  malformed(): SseEvent {
    return { text: `data: {"candidates": [{"content": {"parts": [{"text": "tru${eol}${eol}`, content: false };
  },
};
